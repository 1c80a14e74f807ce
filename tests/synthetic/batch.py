"""Archive batch scans: several documents in one multi-page file, with separator sheets
(Code 39 + QR) between them and, for duplex scans, blank backs."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import zxingcpp
from PIL import Image, ImageDraw

from .content import random_document
from .degrade import PROFILES, degrade
from .generate import save_scan
from .render import A4_PX, RenderedPage, font, mm, render_document


def separator_sheet(value: str) -> Image.Image:
    page = Image.new("RGB", A4_PX, "white")
    d = ImageDraw.Draw(page)
    d.text((A4_PX[0] // 2, mm(40)), "TỜ PHÂN CÁCH", font=font("bold", 28), fill="black", anchor="mt")
    code39 = Image.fromarray(
        np.asarray(zxingcpp.create_barcode(value, zxingcpp.BarcodeFormat.Code39).to_image(scale=6))
    )
    qr = Image.fromarray(np.asarray(zxingcpp.create_barcode(value, zxingcpp.BarcodeFormat.QRCode).to_image(scale=20)))
    page.paste(code39.convert("RGB"), ((A4_PX[0] - code39.width) // 2, mm(90)))
    page.paste(qr.convert("RGB"), ((A4_PX[0] - qr.width) // 2, mm(150)))
    return page


def generate_batch(
    path: Path,
    documents: int,
    seed: int = 1,
    separator: str = "SEPARATOR",
    duplex: bool = True,
    separators: bool = True,
    profile: str = "grey",
) -> Path:
    """One multi-page TIFF; `<name>.truth.json` lists each document's fields and pages."""
    rng = random.Random(seed)
    prof = PROFILES[profile]
    images: list[Image.Image] = []
    truth = []
    for i in range(documents):
        if i and separators:
            images.append(degrade(RenderedPage(separator_sheet(separator)), prof, rng)[0])
            if duplex:
                images.append(degrade(RenderedPage(Image.new("RGB", A4_PX, "white")), prof, rng)[0])
        doc = random_document(rng, paragraphs=rng.choice([2, 3, 9]))
        rendered = render_document(doc)
        for page in rendered:
            images.append(degrade(page, prof, rng)[0])
            if duplex:
                images.append(degrade(RenderedPage(Image.new("RGB", A4_PX, "white")), prof, rng)[0])
        truth.append({"fields": doc.truth(), "pages": len(rendered)})
    out = save_scan(images, path, prof)
    out.with_suffix(".truth.json").write_text(json.dumps({"documents": truth}, ensure_ascii=False, indent=1))
    return out
