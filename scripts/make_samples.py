"""Regenerates the sample scans `station run --samples` drops into the hot folders
(station/samples/, shipped as package data so the product never imports the test
generator). Run from the checkout: .venv/bin/python scripts/make_samples.py"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.synthetic import generate  # noqa: E402 - the checkout's generator, after the path is set

# Clean and skewed scans go to the archive folder (approved on their own when read
# confidently); the stamped and upside-down ones wait on the review page.
FOLDER = {"clean": "archive", "skew": "archive", "stamps": "incoming", "upside_down": "incoming"}


def main() -> None:
    out = ROOT / "station" / "samples"
    out.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for sample in generate(Path(tmp), 1, list(FOLDER), seed=5):
            target = out / f"{FOLDER[sample.profile]}-{sample.profile}.jpg"
            with Image.open(sample.path) as im:
                (im if im.mode in ("L", "RGB") else im.convert("L")).save(
                    target, quality=70, dpi=im.info.get("dpi", (300, 300))
                )
            print(target, target.stat().st_size)


if __name__ == "__main__":
    main()
