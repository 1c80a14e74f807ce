"""PAdES signing of the archival PDF/A by incremental update: the PDF/A bytes stay as
they were, the signature is appended. B-B by default; B-T with a time-stamp
authority; B-LT when validation data (chain and revocation) can be had; B-LTA adds a
document time-stamp for long-term archives.

The visible signature is what Decree 30 asks of a copy digitised from paper: at the
top right of page 1, text only, 'SAO Y – <organisation> – <signing time, ISO 8601
with +07:00>', 10 pt black, in an embedded font with Vietnamese glyphs."""

from __future__ import annotations

import functools
import os
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import numpy as np
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
from PIL import Image, ImageFont
from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import fields, signers, timestamps
from pyhanko.sign.general import get_pyca_cryptography_hash
from pyhanko.stamp import TextStampStyle
from pyhanko_certvalidator import ValidationContext

from errors import ExitCode, StationError

from .keys import Pkcs11Key, Pkcs12Key, SigningKeyError, read_pin

VIETNAM = timezone(timedelta(hours=7))  # no daylight saving: the offset is fixed
FONT_SIZE = 10  # points; an int: pyHanko lays text out in exact fractions
FONT_PATHS = (
    "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf",
    "/usr/share/fonts/truetype/croscore/Tinos-Regular.ttf",
)
LEVELS = ("B-B", "B-T", "B-LT", "B-LTA")
FIELD_NAME = "SaoY"


class SigningError(StationError):
    """Signing failed; the message says why in plain words."""

    exit_code = ExitCode.SIGNING_KEY
    retryable = True


@dataclass(frozen=True)
class SigningConfig:
    organisation: str
    key: Pkcs12Key | Pkcs11Key
    level: str = "B-B"
    tsa_url: str | None = None
    trust_roots: tuple[Path, ...] = ()  # PEM/DER CA certificates (for B-LT validation data)
    crls: tuple[Path, ...] = ()  # revocation lists at hand (offline B-LT)
    cache_dir: Path | None = None  # the station's own cache (the stamp font); None: the user's cache folder


@dataclass
class SignResult:
    level: str
    signed_at: str  # ISO 8601, +07:00
    stamp_box: tuple[int, int, int, int]  # points, page 1
    notes: list[str] = field(default_factory=list)


def font_path() -> str:
    for p in FONT_PATHS:
        if os.path.exists(p):
            return p
    raise SigningError("no font with Vietnamese glyphs for the visible signature (Debian package fonts-liberation2)")


@functools.lru_cache(maxsize=4)
def stamp_font(cache_dir: Path | None = None) -> str:
    """The stamp font rescaled to 1000 units per em. pyHanko (0.38) writes glyph widths
    and kerning in the font's own units but PDF reads them as thousandths of an em, so
    a 2048-unit font such as Liberation Serif came out twice too wide (letters spread
    apart, the end of the stamp cut off) with widths that disagree with the embedded
    font, which PDF/A forbids. In a 1000-unit copy the two agree. Made once and kept in
    the station's cache (the data folder's, or the user's own): never in the shared
    temporary folder, where another user could put a font of their choosing."""
    from fontTools.subset import Options, Subsetter
    from fontTools.ttLib import TTFont
    from fontTools.ttLib.scaleUpem import scale_upem

    src = Path(font_path())
    cache = cache_dir or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "digitization-station"
    out = cache / "fonts" / (f"{src.stem}-{src.stat().st_size}-{int(src.stat().st_mtime)}-vi-upem1000.ttf")
    if out.exists():
        return str(out)  # made by an earlier run: no need to read the font at all
    font = TTFont(str(src), lazy=False)
    out.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if font["head"].unitsPerEm != 1000:
        scale_upem(font, 1000)
    # Only the letters Vietnamese is written with: pyHanko reads and subsets the whole
    # font for every signature, and a 2,600-glyph font cost a fifth of a second each time.
    subsetter = Subsetter(Options(notdef_outline=True, name_IDs=["*"], name_languages=["*"]))
    subsetter.populate(unicodes=_VIETNAMESE)
    subsetter.subset(font)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.part")
    font.save(str(tmp))
    os.replace(tmp, out)
    return str(out)


# Basic Latin and Latin-1, Latin Extended-A (Ă Đ Ĩ Ũ), Ơ Ư, the combining tone marks,
# Latin Extended Additional (Ạ..ỹ), and general punctuation (– “ ” …).
_VIETNAMESE = [
    *range(0x20, 0x7F),
    *range(0xA0, 0x180),
    *range(0x1A0, 0x1B1),
    *range(0x300, 0x324),
    *range(0x1EA0, 0x1EFA),
    *range(0x2010, 0x2028),
]


def stamp_text(organisation: str, when: datetime) -> str:
    return f"SAO Y – {organisation} – {when.astimezone(VIETNAM).isoformat(timespec='seconds')}"


def text_width(text: str) -> float:
    return ImageFont.truetype(font_path(), 1000).getlength(text) / 1000 * FONT_SIZE


def find_blank_spot(pdf: Path, width: float, height: float) -> tuple[tuple[int, int, int, int], bool]:
    """A box (x1, y1, x2, y2 in points) at the top right of page 1 where the page is
    blank, found on the rendered page itself (so stamps, seals and handwriting count
    as much as printed text). Returns (box, blank); when no blank spot exists the box
    is the top-right corner and blank is False."""
    page_w, page_h = _page_size(pdf)
    dpi = 36  # 0.5 pt per pixel: enough to see any mark, fast to render
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            ["pdftoppm", "-f", "1", "-l", "1", "-r", str(dpi), "-gray", "-singlefile", str(pdf), f"{tmp}/p"],
            check=True,
            capture_output=True,
            timeout=60,
        )
        ink = np.asarray(Image.open(f"{tmp}/p.pgm")) < 170
    px = dpi / 72.0
    margin = 6.0
    right = page_w - 42.0  # Decree 30: right margin 15-20 mm
    default = (right - width, page_h - 14.0 - height, right, page_h - 14.0)
    leftmost_x2 = max(width + 36.0, right - 200.0)  # slide left a little, never off the page
    for top in np.arange(page_h - 12.0, page_h * 0.72, -3.0):
        for x2 in np.arange(right, leftmost_x2 - 1e-9, -6.0):
            x1, y1 = x2 - width, top - height
            r0, r1 = int((page_h - top - margin) * px), int((page_h - y1 + margin) * px)
            c0, c1 = int((x1 - margin) * px), int((x2 + margin) * px)
            if r0 >= 0 and c0 >= 0 and not ink[r0:r1, c0:c1].any():
                return _whole((x1, y1, x2, top)), True
    return _whole(default), False


def _whole(box) -> tuple[int, int, int, int]:
    """pyHanko lays out on whole points: grow the box outwards to them."""
    import math

    return math.floor(box[0]), math.floor(box[1]), math.ceil(box[2]), math.ceil(box[3])


def _page_size(pdf: Path) -> tuple[float, float]:
    with open(pdf, "rb") as f:
        box = PdfFileReader(f, strict=False).root["/Pages"]["/Kids"][0].get_object()["/MediaBox"]
        return float(box[2]) - float(box[0]), float(box[3]) - float(box[1])


class _KeyKeptSigner(signers.SimpleSigner):
    """pyHanko's SimpleSigner parses its private key again for each raw signature, twice
    a document (the size estimate and the signature), and parsing an RSA key checks it:
    80 ms each time, a quarter of what signing a page cost. This one parses it once."""

    _parsed: Any = None

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
        if mechanism.signature_algo != "rsassa_pkcs1v15":
            return super().sign_raw(data, digest_algorithm)
        if self._parsed is None:
            self._parsed = serialization.load_der_private_key(self.signing_key.dump(), password=None)
        return self._parsed.sign(data, PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))


@contextmanager
def open_signer(key: Pkcs12Key | Pkcs11Key) -> Iterator[signers.Signer]:
    if isinstance(key, Pkcs12Key):
        pin = read_pin(key.pin_env, key.pin_file)
        try:
            signer = signers.SimpleSigner.load_pkcs12(str(key.path), passphrase=pin.encode())
        except Exception as e:  # noqa: BLE001 - pyHanko raises several kinds here
            raise SigningKeyError(
                f"the PKCS#12 file {key.path} cannot be opened (wrong PIN or damaged file: {type(e).__name__})"
            )
        if signer is None:
            raise SigningKeyError(f"the PKCS#12 file {key.path} cannot be opened (wrong PIN or damaged file)")
        yield _KeyKeptSigner(
            signing_cert=signer.signing_cert,
            signing_key=signer.signing_key,
            cert_registry=signer.cert_registry,
            signature_mechanism=signer.signature_mechanism,
        )
        return
    from pyhanko.config.pkcs11 import TokenCriteria
    from pyhanko.sign import pkcs11

    pin = read_pin(key.pin_env, key.pin_file)
    try:
        session = pkcs11.open_pkcs11_session(
            str(key.module), token_criteria=TokenCriteria(label=key.token_label), user_pin=pin
        )
    except Exception as e:  # noqa: BLE001
        raise SigningKeyError(
            f"the token '{key.token_label}' cannot be opened ({type(e).__name__}: "
            f"is it plugged in, and is the PIN right?)"
        )
    try:
        yield pkcs11.PKCS11Signer(
            session,
            cert_label=key.cert_label or key.key_label,
            key_label=key.key_label,
            key_id=key.key_id,
            cert_id=key.key_id,
        )
    finally:
        session.close()


def sign_pdf(src: Path, dst: Path, config: SigningConfig, signer: signers.Signer) -> SignResult:
    """Sign `src` into `dst` (atomically). `signer` comes from open_signer(). When the
    validation data a B-LT/B-LTA signature must carry cannot be had (no revocation
    information reachable), the document is signed at B-T and the result says so."""
    try:
        return _sign(src, dst, config, signer, config.level)
    except SigningError as e:
        if config.level not in ("B-LT", "B-LTA") or not config.tsa_url:
            raise
        result = _sign(src, dst, config, signer, "B-T")
        result.notes.append(f"validation data for {config.level} could not be had ({e}); signed at B-T")
        return result


def _sign(src: Path, dst: Path, config: SigningConfig, signer: signers.Signer, level: str) -> SignResult:
    level = level if level in LEVELS else "B-B"
    notes: list[str] = []
    if level != "B-B" and not config.tsa_url:
        notes.append(f"{level} needs a time-stamp authority; none is configured, so the signature is B-B")
        level = "B-B"
    now = datetime.now(VIETNAM)
    text = stamp_text(config.organisation, now)
    width = text_width(text) + 4
    box, blank = find_blank_spot(src, width, FONT_SIZE * 1.6)
    if not blank:
        notes.append(
            "page 1 has no blank space at the top right: the signature text is placed in the "
            "top-right corner and overlaps the page content"
        )
    vc = None
    if level in ("B-LT", "B-LTA"):
        vc = _validation_context(config)
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason="SAO Y",
        name=config.organisation,
        embed_validation_info=vc is not None,
        use_pades_lta=level == "B-LTA",
        validation_context=vc,
    )
    style = TextStampStyle(
        stamp_text="%(text)s",
        border_width=0,
        background=None,
        text_box_style=TextBoxStyle(font=GlyphAccumulatorFactory(stamp_font(config.cache_dir)), font_size=FONT_SIZE),
    )
    pdf_signer = signers.PdfSigner(
        meta,
        signer=signer,
        stamp_style=style,
        timestamper=timestamps.HTTPTimeStamper(config.tsa_url) if config.tsa_url else None,
        new_field_spec=fields.SigFieldSpec(FIELD_NAME, on_page=0, box=box),
    )
    tmp = dst.with_name(f".{dst.name}.part")
    try:
        with _metadata_left_alone():
            # Read-write: pyHanko reads the output back to digest it, and buffers the
            # whole signed PDF in memory when the stream is write-only (a 400 MB
            # bound volume cost 900 MB of memory).
            with open(src, "rb") as inf, open(tmp, "w+b") as outf:
                pdf_signer.sign_pdf(_writer(inf), output=outf, appearance_text_params={"text": text})
            if level == "B-LTA":
                _document_timestamp(tmp, config, vc)
    except SigningKeyError:
        raise
    except Exception as e:  # noqa: BLE001
        tmp.unlink(missing_ok=True)
        raise SigningError(f"signing failed ({type(e).__name__}: {e})")
    os.replace(tmp, dst)
    return SignResult(level, now.isoformat(timespec="seconds"), box, notes)


def _writer(stream) -> IncrementalPdfFileWriter:
    return IncrementalPdfFileWriter(stream, strict=False)


@contextmanager
def _metadata_left_alone() -> Iterator[None]:
    """pyHanko's writers rewrite the XMP packet on every increment; the round trip turns
    our PDF/A extension schema into invalid RDF and makes Info and XMP disagree on the
    producer, which costs the file its PDF/A conformance (pyHanko issue #755; the
    maintainer's advice in #223 is to override `_update_meta`). The validation-data
    (DSS) increment of B-LT is written by a writer pyHanko creates itself, so the
    override goes on the class, for the duration of one signing. A signature needs no
    metadata change."""
    from pyhanko.pdf_utils.writer import BasePdfFileWriter

    original = BasePdfFileWriter._update_meta
    BasePdfFileWriter._update_meta = lambda self: None  # type: ignore[method-assign]
    try:
        yield
    finally:
        BasePdfFileWriter._update_meta = original  # type: ignore[method-assign]


def _document_timestamp(path: Path, config: SigningConfig, vc: ValidationContext | None) -> None:
    """B-LTA: a document time-stamp over everything, in its own increment."""
    stamped = path.with_name(path.name + ".ts")
    with open(path, "rb") as inf, open(stamped, "w+b") as outf:  # streamed, as in sign_pdf
        signers.PdfTimeStamper(timestamps.HTTPTimeStamper(config.tsa_url)).timestamp_pdf(
            _writer(inf), "sha256", validation_context=vc, output=outf
        )
    os.replace(stamped, path)


def _validation_context(config: SigningConfig) -> ValidationContext:
    from asn1crypto import crl as asn1_crl
    from pyhanko.keys import load_certs_from_pemder

    roots = list(load_certs_from_pemder([str(p) for p in config.trust_roots]))
    crls = [asn1_crl.CertificateList.load(_der(p)) for p in config.crls]
    return ValidationContext(trust_roots=roots, crls=crls, allow_fetching=not crls, revocation_mode="hard-fail")


def _der(p: Path) -> bytes:
    data = p.read_bytes()
    if data.startswith(b"-----BEGIN"):
        from asn1crypto import pem

        _, _, data = pem.unarmor(data)
    return data
