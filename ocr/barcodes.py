"""Barcodes on a page (separator sheets of archive batches): QR and Code 39."""

from __future__ import annotations

import numpy as np
import zxingcpp
from PIL import Image

_FORMATS = (zxingcpp.BarcodeFormat.QRCode, zxingcpp.BarcodeFormat.Code39)


def read_barcodes(image: Image.Image) -> list[str]:
    """Decoded texts of the QR and Code 39 symbols on the page, in any orientation."""
    grey = np.asarray(image.convert("L"))
    found = zxingcpp.read_barcodes(grey, formats=_FORMATS)  # type: ignore[arg-type]
    return [r.text for r in found if r.valid and r.text]
