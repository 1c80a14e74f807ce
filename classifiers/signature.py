"""The last page's bottom: recipients (Nơi nhận, left) and the signature block (right):
signing authority, titles, and the signer's name."""

from __future__ import annotations

import re

from rapidfuzz import fuzz, process

from .fields import Field, free_text_confidence
from .layout import Line
from .reference import repair_caps, titles
from .text import clean, fold, is_caps
from .tones import mend_read

_PREFIX_RE = re.compile(r"^(tm|kt|tl|tuq|q)\s*[.,]\s*")  # on folded text
_PREFIX_TEXT_RE = re.compile(r"^(TM|KT|TL|TUQ|Q)\s*[.,]\s*")


def find_recipients_heading(lines: list[Line]) -> Line | None:
    for ln in reversed(lines):
        if ln.centre_x < 0.5 and fold(ln.text).replace(" ", "").startswith("noinhan"):
            return ln
    return None


def recipients(lines: list[Line], heading: Line | None) -> Field | None:
    if heading is None:
        return None
    items, boxes = [], []
    for ln in lines:
        if ln.page != heading.page or ln.box[1] <= heading.box[1] or ln.centre_x >= 0.5:
            continue
        text = ln.text
        if not text.startswith(("-", "—", "–", "+", "•")):
            continue
        item = text.lstrip("-—–+• ").rstrip(" ;.,:")
        if not item or fold(item).startswith("luu"):
            continue  # 'Lưu: VT, ...' is the archive note, not a recipient
        items.append(item)
        boxes.append(ln)
    if not items:
        return None
    weakest = min(b.weakest for b in boxes)
    box = (min(b.box[0] for b in boxes), boxes[0].box[1], max(b.box[2] for b in boxes), boxes[-1].box[3])
    items = [mend_read(item, weakest) for item in items]
    return Field("recipients", items, free_text_confidence(weakest), heading.page, box)


def signature(lines: list[Line], heading: Line | None) -> dict[str, Field]:
    """Caps lines on the right (authority, titles) followed by the name in mixed case."""
    if not lines:
        return {}
    last_page = max(ln.page for ln in lines)
    page_lines = [ln for ln in lines if ln.page == last_page]
    if heading is not None and heading.page == last_page:
        top = heading.box[1] - 2 * heading.height
        block = [ln for ln in page_lines if ln.box[1] >= top and ln.centre_x > 0.5]
    else:
        block = [ln for ln in page_lines if ln.top > 0.4 and ln.centre_x > 0.55 and ln.box[0] > 0.4 * ln.page_width]
    titles: list[Line] = []
    name: Line | None = None
    for ln in block:
        if is_caps(ln.text):
            if name is None:
                titles.append(ln)
        elif titles and _looks_like_name(ln.text):
            name = ln
            break
    out: dict[str, Field] = {}
    if name:
        out["signer"] = Field("signer", clean(name.text), free_text_confidence(name.weakest), name.page, name.box)
    if titles:
        for ln in titles:
            m = _PREFIX_RE.match(fold(ln.text))
            if m:
                out["signing_authority"] = Field(
                    "signing_authority", m.group(1).upper() + ".", ln.confidence, ln.page, ln.box
                )
                break
        title = titles[-1]
        text, conf, source = _known_title(clean(_PREFIX_TEXT_RE.sub("", title.text)), title.confidence)
        out["signer_title"] = Field("signer_title", text, conf, title.page, title.box, source)
    return out


def _known_title(text: str, conf: float) -> tuple[str, float, str]:
    """Match the title against the list (tone marks are what OCR loses: PHO CHU TICH);
    a title in no list keeps OCR's reading, with less confidence."""
    by_fold = {fold(t): t for t in titles()}
    if fold(text) in by_fold:
        known = by_fold[fold(text)]
        return known, conf, "recognised" if known == text else "repaired"
    best = process.extractOne(fold(text), {t: fold(t) for t in titles()}, scorer=fuzz.ratio)
    if best and best[1] >= 90:  # a letter too many or too few (PHO GIÁM ĐÓỌC)
        return best[2], conf * 0.9, "repaired"
    fixed, changed = repair_caps(text)
    return fixed, conf * 0.85, "repaired" if changed else "recognised"


def _looks_like_name(text: str) -> bool:
    words = clean(text).split()
    return 2 <= len(words) <= 6 and all(w[:1].isupper() for w in words) and not any(ch.isdigit() for ch in text)
