"""Write synthetic scans and their ground truth to a folder."""

from __future__ import annotations

import io
import json
import random
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from .content import random_document
from .degrade import EXTRA_PROFILES, PROFILES, Profile, degrade
from .render import DPI, render_document


@dataclass
class Sample:
    path: Path
    profile: str
    truth: dict  # fields
    pages: list[list[str]]  # ground-truth lines per page


def save_scan(images: list[Image.Image], path: Path, profile: Profile) -> Path:
    """Write pages as a scanner would for this profile's format."""
    fmt = profile.fmt
    if fmt in ("jpg", "png") and len(images) > 1:
        fmt = "pdf" if fmt == "jpg" else "tif"
    ext = {"tif-g4": "tif", "tif-jpeg": "tif"}.get(fmt, fmt)
    path = path.with_suffix("." + ext)
    dpi = (DPI, DPI)
    if fmt == "jpg":
        images[0].save(path, "JPEG", quality=profile.jpeg_quality, dpi=dpi)
    elif fmt == "png":
        images[0].save(path, "PNG", dpi=dpi, compress_level=1)
    elif fmt.startswith("tif"):
        compression = {"tif": "tiff_lzw", "tif-g4": "group4", "tif-jpeg": "jpeg"}[fmt]
        images[0].save(path, "TIFF", compression=compression, dpi=dpi, save_all=True, append_images=images[1:])
    elif fmt == "pdf":
        import img2pdf

        jpegs = []
        for im in images:
            buf = io.BytesIO()
            im.convert("RGB").save(buf, "JPEG", quality=profile.jpeg_quality, dpi=dpi)
            jpegs.append(buf.getvalue())
        path.write_bytes(img2pdf.convert(jpegs))
    else:
        raise ValueError(fmt)
    return path


def generate(
    out: Path, count: int, profiles: list[str] | None = None, seed: int = 1, paragraphs: int | None = None
) -> list[Sample]:
    """`count` documents per profile, written as `<profile>-<n>.<ext>` with a
    `<name>.truth.json` beside each."""
    out.mkdir(parents=True, exist_ok=True)
    samples = []
    for pname in profiles or list(PROFILES):
        profile = {**PROFILES, **EXTRA_PROFILES}[pname]
        for i in range(count):
            rng = random.Random(f"{seed}-{pname}-{i}")
            doc = random_document(rng, paragraphs)
            doc.handwritten = profile.handwritten
            rendered = render_document(doc)
            scans = [degrade(p, profile, rng) for p in rendered]
            path = save_scan([im for im, _ in scans], out / f"{pname}-{i:03d}", profile)
            truth = {
                "fields": doc.truth(),
                "pages": [p.lines for p in rendered],
                "profile": pname,
                "skew": [round(a, 3) for _, a in scans],
                "rotate_ccw": profile.rotate,
                "arrival_stamp": rendered[0].arrival,
            }
            path.with_suffix(".truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1))
            samples.append(Sample(path, pname, truth["fields"], truth["pages"]))
    return samples


def load_truth(scan: Path) -> dict:
    return json.loads(scan.with_suffix(".truth.json").read_text())
