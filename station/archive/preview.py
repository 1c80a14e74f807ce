"""Page images for the review page, rendered from the PDF/A once and cached: a
screen-size PNG per page and a small thumbnail. The station renders them as soon as a
document waits for review, so the clerk's first look does not wait for rendering;
the web page renders on demand whatever is missing or older than the PDF."""
from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path

SCREEN_DPI = 100  # sharp enough to read at screen size and at 2x zoom, quick to render
THUMB_DPI = 12


def preview_path(cache: Path, doc_id: int, page: int, thumb: bool = False) -> Path:
    return cache / str(doc_id) / f"{page}{'.thumb' if thumb else ''}.png"


def fresh(png: Path, pdf: Path) -> bool:
    return png.exists() and png.stat().st_mtime >= pdf.stat().st_mtime


def render(pdf: Path, cache: Path, doc_id: int, first: int = 1, last: int | None = None) -> None:
    """Render pages first..last (all by default) at both sizes. One pdftoppm run per
    size for the whole range: the PDF is parsed once, not once per page."""
    folder = cache / str(doc_id)
    folder.mkdir(parents=True, exist_ok=True)
    for dpi, thumb in ((SCREEN_DPI, False), (THUMB_DPI, True)):
        with tempfile.TemporaryDirectory(dir=folder) as tmp:
            cmd = ["pdftoppm", "-png", "-r", str(dpi), "-f", str(first)] + (["-l", str(last)] if last else [])
            out = subprocess.run(cmd + [str(pdf), str(Path(tmp) / "p")], capture_output=True, timeout=300)
            if out.returncode != 0:
                raise RuntimeError(out.stderr.decode(errors="replace").strip() or "pdftoppm failed")
            for f in Path(tmp).iterdir():
                n = int(re.search(r"-(\d+)\.png$", f.name).group(1))
                f.replace(preview_path(cache, doc_id, n, thumb))  # atomic: a reader never sees half a file
