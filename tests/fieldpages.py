"""Recognised pages built straight from a synthetic Document: words where Decree 30
puts them, with OCR-like noise applied to chosen lines. Lets field extraction be
tested on hundreds of header variants without running OCR."""

from __future__ import annotations

import random
from collections.abc import Callable

from ocr.types import RecognisedPage, Word
from tests.synthetic.content import Document
from tests.synthetic.render import authority_line

W, H = 2480, 3508
CHAR_W = 24  # px per character at 13 pt, 300 dpi (near enough for layout)
LINE_H = 45


class _Builder:
    def __init__(self) -> None:
        self.words: list[Word] = []
        self.line = 0

    def add(self, text: str, x: int, y: int, anchor: str = "l", conf: float = 95.0) -> None:
        width = len(text) * CHAR_W
        x0 = x if anchor == "l" else x - width // 2
        for token in text.split():
            w = len(token) * CHAR_W
            self.words.append(Word(token, (x0, y, x0 + w, y + LINE_H), conf, self.line, 1))
            x0 += w + CHAR_W
        self.line += 1


Noise = Callable[[str, str], str]  # (line kind, text) -> noisy text


def build(doc: Document, noise: Noise = lambda kind, t: t) -> list[RecognisedPage]:
    b = _Builder()
    lc, rc = 732, 1712
    y = 240
    if doc.parent:
        b.add(noise("parent", doc.parent), lc, y, "c")
        y += 62
    issuer = doc.issuer.split()
    first, second = (" ".join(issuer[:4]), " ".join(issuer[4:])) if len(doc.issuer) > 26 else (doc.issuer, "")
    b.add(noise("issuer", first), lc, y, "c")
    if second:
        y += 62
        b.add(noise("issuer", second), lc, y, "c")
    b.add(noise("national", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"), rc, 240, "c")
    b.add(noise("motto", "Độc lập - Tự do - Hạnh phúc"), rc, 302, "c")
    y = max(y, 302) + 120
    b.add(noise("number", f"Số: {doc.notation}"), lc, y, "c")
    b.add(noise("date", doc.date_line), rc, y, "c")
    y += 90
    if doc.type_heading is None:
        b.add(noise("subject", f"V/v {doc.subject}"), lc, y, "c")
        y += 60
    for mark in (doc.secrecy, doc.urgency):
        if mark:
            b.add(mark, lc, y + 20, "c")
            y += 100
    y += 60
    if doc.type_heading:
        b.add(noise("type", doc.type_heading), 1323, y, "c")
        y += 75
        b.add(noise("subject", f"Về việc {doc.subject}"), 1323, y, "c")
        if doc.number % 3 == 2 and doc.type_heading == "QUYẾT ĐỊNH":
            b.add(authority_line(doc), 1323, y + 62, "c")  # as close as a subject's own line
            y += 62
        y += 120
    else:
        b.add(f"Kính gửi: {doc.addressees[0]}", 700, y)
        y += 75
    for para in doc.body:
        b.add(para[:80], 354, y)
        y += 72
    y += 60
    b.add("Nơi nhận:", 354, y)
    sy = y
    for r in doc.recipients + ["Lưu: VT."]:
        y += 55
        b.add(f"- {r}", 354, y)
    for t in ([doc.signing_authority] if doc.signing_authority else []) + doc.signer_titles:
        b.add(t, rc, sy, "c")
        sy += 66
    b.add(doc.signer, rc, sy + 330, "c")
    return [RecognisedPage(1, W, H, 300.0, 0, 0.0, words=b.words, mean_confidence=95.0)]


# --- OCR noise of the kinds seen with Tesseract `vie` ------------------------------


def noisy_header(rng: random.Random) -> Noise:
    """A noise function that damages the header the way OCR does, one or more ways."""
    so = rng.choice(["Số:", "Sô:", "Sỗ:", "Số", "Sôt:", "So:", "Sổ:", "Số :"])
    spaced = rng.random() < 0.5
    digit_swap = rng.random() < 0.4
    code_swap = rng.random() < 0.4
    date_noise = rng.random() < 0.5
    old_tones = rng.random() < 0.5
    stray = rng.random() < 0.3

    def apply(kind: str, text: str) -> str:
        if kind == "number":
            rest = text.split(" ", 1)[1]
            if spaced:
                rest = rest.replace("/", " / ").replace("-", " - ")
            if digit_swap:
                num, tail = rest.split("/", 1)
                rest = num.replace("1", "l").replace("0", "O") + "/" + tail
            if code_swap:
                rest = rest.replace("TTr", "TIr").replace("Đ", "Ð").replace("VT", "VI")
            return f"{so} {rest}" if not so.endswith(" :") else f"Số : {rest}"
        if kind == "date" and date_noise:
            text = text.replace("ngày", "ngảy").replace("tháng", "thảng").replace(" 0", " O").replace("20", "2O", 1)
        if old_tones:
            text = text.replace("Hòa", "Hoà").replace("HÒA", "HOÀ").replace("Ủy", "Uỷ").replace("ỦY", "UỶ")
        if stray and kind in ("issuer", "parent"):
            text = text.replace("Ô", "Ö", 1)
        return text

    return apply
