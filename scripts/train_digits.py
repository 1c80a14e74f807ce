"""Trains the handwritten-digit reader (ocr/digits.py) and writes ocr/data/digits.onnx.

Data that installs offline, nothing downloaded: scikit-learn's bundled handwritten
digits (1797 digits by 43 writers, 8×8) and digits rendered from Debian's handwriting
and informal fonts (fonts-dkg-handwriting, fonts-rufscript, fonts-humor-sans,
fonts-breip, fonts-dancingscript, fonts-comic-neue, fonts-femkeklaver,
fonts-ecolier-court, fonts-tomsontalks) and two ordinary italics, each with pen
augmentation: slant, rotation, stroke width, uneven scale, elastic wobble, broken
strokes. Kaushan Script (fonts-kaushanscript) is never trained on: the synthetic pages
of the tests write their numbers in it, so they measure digits the model has not seen.

    .venv/bin/pip install -e ".[train]" && .venv/bin/python scripts/train_digits.py

Prints the accuracy on a held-out fifth of the data (split by sample, stratified)."""

from __future__ import annotations

import sys
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ocr.digits import MODEL, SIZE, normalise  # noqa: E402 - the checkout's package, after the path is set

VERSION = "1"
FONTS = [
    "/usr/share/fonts/truetype/fifthhorseman/dkg.ttf",
    "/usr/share/fonts/truetype/fifthhorseman/dkgIt.ttf",
    "/usr/share/fonts/truetype/fifthhorseman/dkgBd.ttf",
    "/usr/share/fonts/truetype/rufscript/Rufscript010.ttf",
    "/usr/share/fonts/truetype/humor-sans/Humor-Sans.ttf",
    "/usr/share/fonts/truetype/breip/Breip.ttf",
    "/usr/share/fonts/opentype/dancingscript/DancingScript-Regular.otf",
    "/usr/share/fonts/opentype/comic-neue/ComicNeue-Italic.otf",
    "/usr/share/fonts/opentype/comic-neue/ComicNeue-Light.otf",
    "/usr/share/fonts/truetype/femkeklaver/femkeklaver.ttf",
    "/usr/share/fonts/truetype/ecolier-court/Ecolier-court.ttf",
    "/usr/share/fonts/truetype/tomsontalks/TomsonTalks.ttf",
    "/usr/share/fonts/truetype/liberation2/LiberationSans-Italic.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Oblique.ttf",
]
PER_FONT_DIGIT = 260
PER_SKLEARN_DIGIT = 6  # augmented copies of each of scikit-learn's digits


def pen(mask: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One writer's hand: slant, turn, uneven scale, stroke width, wobble, gaps."""
    h, w = mask.shape
    pad = max(h, w) // 2
    img = cv2.copyMakeBorder(mask, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=0).astype(np.float32)
    hh, ww = img.shape
    shear, angle = rng.uniform(-0.45, 0.35), rng.uniform(-12, 12)
    sx, sy = rng.uniform(0.75, 1.25), rng.uniform(0.85, 1.15)
    m = cv2.getRotationMatrix2D((ww / 2, hh / 2), angle, 1.0)
    m = m @ np.array([[sx, shear, -shear * hh / 2], [0, sy, 0], [0, 0, 1.0]])
    img = cv2.warpAffine(img, m[:2], (ww, hh), flags=cv2.INTER_LINEAR)
    # Elastic wobble: a hand does not draw straight lines.
    alpha, sigma = rng.uniform(1.5, 5.0), rng.uniform(5.0, 9.0)
    dx = cv2.GaussianBlur(rng.uniform(-1, 1, img.shape).astype(np.float32), (0, 0), sigma) * alpha * sigma
    dy = cv2.GaussianBlur(rng.uniform(-1, 1, img.shape).astype(np.float32), (0, 0), sigma) * alpha * sigma
    gx, gy = np.meshgrid(np.arange(ww, dtype=np.float32), np.arange(hh, dtype=np.float32))
    img = cv2.remap(img, gx + dx, gy + dy, cv2.INTER_LINEAR)
    binary = (img > 0.5).astype(np.uint8)
    k = int(rng.integers(0, 4))
    if k:  # a broad pen, or a fine one
        kernel = np.ones((k + 1, k + 1), np.uint8)
        binary = cv2.dilate(binary, kernel) if rng.random() < 0.6 else cv2.erode(binary, kernel)
    if rng.random() < 0.15:  # a skipping pen: a thin gap across a stroke
        y = int(rng.integers(0, binary.shape[0]))
        binary[y : y + 2] = 0
    return binary


def rendered(rng: np.random.Generator) -> tuple[list[np.ndarray], list[int]]:
    xs, ys = [], []
    for path in FONTS:
        if not Path(path).exists():
            sys.exit(f"train_digits: {path} is missing (scripts/bootstrap.sh train installs the fonts)")
        for digit in range(10):
            for _ in range(PER_FONT_DIGIT):
                font = ImageFont.truetype(path, int(rng.integers(40, 72)))
                canvas = Image.new("L", (120, 120), 0)
                ImageDraw.Draw(canvas).text((30, 10), str(digit), fill=255, font=font)
                xs.append(normalise(pen(np.asarray(canvas) > 127, rng)))
                ys.append(digit)
    return xs, ys


def sklearn_digits(rng: np.random.Generator) -> tuple[list[np.ndarray], list[int]]:
    from sklearn.datasets import load_digits

    data = load_digits()
    xs, ys = [], []
    for image, label in zip(data.images, data.target):
        big = cv2.resize((image / 16.0).astype(np.float32), (40, 40), interpolation=cv2.INTER_CUBIC)
        mask = (big > 0.45).astype(np.uint8)
        for _ in range(PER_SKLEARN_DIGIT):
            xs.append(normalise(pen(mask, rng)))
            ys.append(int(label))
    return xs, ys


def main() -> None:
    from skl2onnx import to_onnx
    from sklearn.model_selection import train_test_split
    from sklearn.neural_network import MLPClassifier

    rng = np.random.default_rng(30)
    a, la = rendered(rng)
    b, lb = sklearn_digits(rng)
    x = np.stack(a + b).reshape(-1, SIZE * SIZE).astype(np.float32)
    y = np.array(la + lb)
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.2, random_state=30, stratify=y)
    model = MLPClassifier(
        hidden_layer_sizes=(256, 128), alpha=1e-4, batch_size=256, max_iter=40, early_stopping=True, random_state=30
    )
    model.fit(x_train, y_train)
    print(f"train_digits: {len(x_train)} training digits, {len(x_test)} held out")
    print(f"train_digits: held-out accuracy {model.score(x_test, y_test):.4f}")
    onx = to_onnx(model, x_train[:1], options={id(model): {"zipmap": False}}, target_opset=17)
    meta = onx.metadata_props.add()
    meta.key, meta.value = "version", VERSION
    MODEL.parent.mkdir(exist_ok=True)
    MODEL.write_bytes(onx.SerializeToString())
    print(f"train_digits: wrote {MODEL} ({MODEL.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
