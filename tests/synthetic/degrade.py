"""Make clean renders look like real scans: skew, noise, blur, JPEG artefacts, yellowed
faded paper, a red seal over the signature, the "ĐẾN" stamp over the header,
upside-down or sideways pages, colour / grey / bilevel output."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from .render import RED, RenderedPage, font, mm, pt

BLUE = (40, 60, 190)


@dataclass(frozen=True)
class Profile:
    name: str
    fmt: str  # jpg, png, tif (LZW colour/grey), tif-g4 (bilevel), tif-jpeg, pdf
    mode: str = "RGB"  # RGB, L or 1
    skew: float = 0.0  # max |degrees|, sign random
    rotate: int = 0  # 0, 90, 180, 270 (counter-clockwise as PIL rotates)
    noise: float = 0.0  # gaussian sigma in grey levels
    speckle: float = 0.0  # fraction of pixels flipped to black/white
    blur: float = 0.0
    jpeg_quality: int = 90
    yellowed: bool = False
    stamps: bool = False
    handwritten: bool = False  # number and day written by pen into blank printed slots


PROFILES: dict[str, Profile] = {
    p.name: p
    for p in [
        Profile("clean", "jpg"),
        Profile("skew", "jpg", skew=3.0),
        Profile("noisy", "png", mode="L", noise=14, speckle=0.002, skew=0.6),
        Profile("blur", "jpg", blur=1.3, jpeg_quality=80, skew=0.8),
        Profile("jpeg", "jpg", jpeg_quality=30, skew=1.0),
        Profile("yellowed", "jpg", yellowed=True, noise=5, skew=1.2),
        Profile("stamps", "jpg", stamps=True, skew=0.7),
        Profile("upside_down", "tif", rotate=180, skew=0.8),
        Profile("rotated90", "pdf", rotate=90, skew=0.5),
        Profile("bilevel", "tif-g4", mode="1", skew=1.5),
        Profile("grey", "tif-jpeg", mode="L", skew=2.0, noise=4),
    ]
}


# Profiles generated only when asked for by name (not part of every corpus).
EXTRA_PROFILES: dict[str, Profile] = {
    "handwritten": Profile("handwritten", "jpg", handwritten=True, skew=0.5, noise=3),
    # A bilevel scanner makes the blue pen black: no colour tells the hand from print.
    "handwritten_bilevel": Profile("handwritten_bilevel", "tif-g4", mode="1", handwritten=True, skew=0.8),
}


def degrade(page: RenderedPage, profile: Profile, rng: random.Random) -> tuple[Image.Image, float]:
    """The scanned page and the skew applied (degrees, counter-clockwise)."""
    im = page.image.copy()
    angle = 0.0
    if profile.stamps:
        if page.signature_box:
            _seal(im, page.signature_box, rng)
        if page.header_box != (0, 0, 0, 0):
            page.arrival = _den_stamp(im, page.header_box, rng)
    if profile.yellowed:
        im = _yellow(im, rng)
    if profile.blur:
        im = im.filter(ImageFilter.GaussianBlur(profile.blur))
    if profile.skew:
        angle = rng.uniform(0.5, 1.0) * profile.skew * rng.choice((-1, 1))
        im = im.rotate(angle, resample=Image.BICUBIC, fillcolor=(250, 250, 250))
    if profile.noise or profile.speckle:
        a = np.asarray(im).astype(np.float32)
        nrng = np.random.default_rng(rng.randrange(2**32))
        if profile.noise:
            a += nrng.normal(0, profile.noise, a.shape[:2])[..., None]
        if profile.speckle:
            mask = nrng.random(a.shape[:2])
            a[mask < profile.speckle / 2] = 0
            a[mask > 1 - profile.speckle / 2] = 255
        im = Image.fromarray(a.clip(0, 255).astype(np.uint8))
    if profile.rotate:
        im = im.rotate(profile.rotate, expand=True)
    if profile.mode == "L":
        im = im.convert("L")
    elif profile.mode == "1":
        im = im.convert("L").point(lambda v: 255 if v > 150 else 0).convert("1", dither=Image.NONE)
    return im, angle


def _yellow(im: Image.Image, rng: random.Random) -> Image.Image:
    a = np.asarray(im).astype(np.float32) / 255.0
    # Faded ink: compress contrast towards the paper, then tint the paper and add stains
    # and uneven light.
    a = 0.42 + 0.58 * a
    h, w = a.shape[:2]
    yy, xx = np.mgrid[0:h:8, 0:w:8]
    light = 1.0 - 0.10 * ((xx / w - rng.random()) ** 2 + (yy / h - rng.random()) ** 2)
    for _ in range(3):
        cx, cy, r = rng.random() * w, rng.random() * h, rng.uniform(0.05, 0.15) * w
        light -= 0.06 * np.exp(-((xx - cx) ** 2 + (yy - cy) ** 2) / (2 * r * r))
    light = (
        np.asarray(
            Image.fromarray((light * 255).clip(0, 255).astype(np.uint8)).resize((w, h), Image.BILINEAR),
            dtype=np.float32,
        )
        / 255.0
    )
    tint = np.array([0.97, 0.90, 0.72], dtype=np.float32)
    a = a * tint * light[..., None]
    return Image.fromarray((a * 255).clip(0, 255).astype(np.uint8))


def _multiply(im: Image.Image, stamp: Image.Image, xy: tuple[int, int]) -> None:
    """Stamp ink is translucent: darken the page under it, never lighten."""
    x, y = xy
    region = im.crop((x, y, x + stamp.width, y + stamp.height))
    mixed = Image.fromarray((np.asarray(region, np.float32) * np.asarray(stamp, np.float32) / 255).astype(np.uint8))
    im.paste(mixed, (x, y))


def _seal(im: Image.Image, sig_box: tuple[int, int, int, int], rng: random.Random) -> None:
    """A round red seal over the left third of the signature, as signers stamp it."""
    r = mm(19)
    size = 2 * r + 10
    s = Image.new("RGB", (size, size), "white")
    d = ImageDraw.Draw(s)
    ink = tuple(min(255, c + rng.randint(0, 30)) for c in RED)
    c = size // 2
    d.ellipse((5, 5, size - 5, size - 5), outline=ink, width=9)
    d.ellipse((5 + mm(5), 5 + mm(5), size - 5 - mm(5), size - 5 - mm(5)), outline=ink, width=4)
    text = "ỦY BAN NHÂN DÂN * TỈNH LẠNG SƠN * "
    f = font("bold", 9)
    for i, ch in enumerate(text):
        ang = 2 * math.pi * i / len(text) - math.pi / 2
        tx, ty = c + (r - mm(3)) * math.cos(ang), c + (r - mm(3)) * math.sin(ang)
        glyph = Image.new("L", (pt(12), pt(12)), 0)
        ImageDraw.Draw(glyph).text((pt(1), 0), ch, font=f, fill=255)
        glyph = glyph.rotate(-math.degrees(ang) - 90, resample=Image.BICUBIC)
        s.paste(Image.new("RGB", glyph.size, ink), (int(tx - glyph.width / 2), int(ty - glyph.height / 2)), glyph)
    d.regular_polygon((c, c, mm(5)), 5, fill=ink)
    x = sig_box[0] + mm(8) + rng.randint(-mm(3), mm(3))
    y = sig_box[3] - size + mm(4) + rng.randint(-mm(2), mm(2))
    _multiply(im, s, (x, y))


def _den_stamp(im: Image.Image, header: tuple[int, int, int, int], rng: random.Random) -> dict[str, int]:
    """The 35 × 50 mm incoming stamp: office name, ĐẾN, handwritten number and date.
    Returns what it says (number, day, month), for the ground truth."""
    w, h = mm(50), mm(35)
    s = Image.new("RGB", (w, h), "white")
    d = ImageDraw.Draw(s)
    ink = rng.choice([BLUE, RED])
    d.rectangle((2, 2, w - 3, h - 3), outline=ink, width=6)
    d.text((mm(3), mm(2)), "VĂN PHÒNG UBND TỈNH", font=font("bold", 9), fill=ink)
    d.text((mm(3), mm(8)), "ĐẾN", font=font("bold", 16), fill=ink)
    said = {"number": rng.randint(1, 4000), "day": rng.randint(1, 28), "month": rng.randint(1, 12)}
    d.text((mm(20), mm(9)), f"Số: {said['number']}", font=font("italic", 12), fill=ink)
    d.text((mm(3), mm(18)), f"Ngày: {said['day']}/{said['month']}", font=font("italic", 12), fill=ink)
    d.text((mm(3), mm(26)), "Chuyển: VP", font=font("italic", 11), fill=ink)
    s = s.rotate(rng.uniform(-6, 6), resample=Image.BICUBIC, expand=True, fillcolor="white")
    x = rng.randint(header[0] + mm(40), header[2] - s.width)
    y = header[1] + rng.randint(0, mm(10))
    _multiply(im, s, (x, y))
    return said
