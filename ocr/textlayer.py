"""A PDF page's own text: its words with their boxes, and what kind of page carries it.

Poppler's `pdftotext -bbox-layout` reads the words: it is already installed for
drawing pages, it maps fonts through their ToUnicode tables, and unlike pdfminer or
pdfium's text page it also reads the text of annotation appearances, which is where
e-office systems stamp the number and the day of a signed document (the signature
widgets of the văn thư). pikepdf looks at the content: a full-page image means a scan,
and text drawn invisibly (render mode 3) is an OCR layer someone else added.
"""

from __future__ import annotations

import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pikepdf

from .types import STATED, Word, lines_of
from .vietnamese import from_tcvn3, from_vni, normalise, to_unicode

_NS = "{http://www.w3.org/1999/xhtml}"
_TIMEOUT_S = 60


@dataclass
class TextLayer:
    """Words in page pixels at `dpi` (the frame of the page as drawn for the archive)."""

    words: list[Word] = field(default_factory=list)
    encoding: str = "unicode"  # or "tcvn3", "vni": what the text was converted from
    invisible: bool = False  # some text is drawn invisibly (an OCR layer over an image)
    image_cover: float = 0.0  # share of the page under its largest image

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)


def read_text_layer(path: Path, index: int, dpi: float) -> TextLayer:
    """The text layer of page `index` (1-based). An unreadable layer is an empty one:
    the page is then read by OCR like any scan."""
    layer = TextLayer()
    try:
        with pikepdf.open(path) as pdf:
            layer.invisible, layer.image_cover = _page_content(pdf.pages[index - 1])
    except (pikepdf.PdfError, IndexError, ValueError):
        return layer
    try:
        proc = subprocess.run(
            ["pdftotext", "-f", str(index), "-l", str(index), "-bbox-layout", "-enc", "UTF-8", str(path), "-"],
            capture_output=True,
            timeout=_TIMEOUT_S,
        )
        root = ET.fromstring(proc.stdout) if proc.returncode == 0 else None
    except (subprocess.TimeoutExpired, ET.ParseError):
        root = None
    if root is None:
        return layer
    layer.words = _words(root, dpi / 72.0)
    _convert_legacy(layer)
    return layer


def _words(root: ET.Element, scale: float) -> list[Word]:
    words: list[Word] = []
    line_id = 0
    for block_id, block in enumerate(root.iter(f"{_NS}block")):
        for line in block.iter(f"{_NS}line"):
            for w in line.iter(f"{_NS}word"):
                text = (w.text or "").strip()
                if not text:
                    continue
                box = tuple(round(float(w.get(k, 0)) * scale) for k in ("xMin", "yMin", "xMax", "yMax"))
                words.append(Word(text, box, STATED, line_id, block_id))  # type: ignore[arg-type]
            line_id += 1
    return words


def _convert_legacy(layer: TextLayer) -> None:
    """Decide the encoding once, on the whole page; then convert line by line (a TCVN3
    capitals font is recognised per line). A Unicode page is only normalised: one word
    alone is too little text to decide an encoding by."""
    _, layer.encoding = to_unicode(layer.text)
    convert = {"tcvn3": from_tcvn3, "vni": from_vni}.get(layer.encoding)
    out: list[Word] = []
    for ws in lines_of(layer.words):
        if convert is None:
            texts = [normalise(w.text) for w in ws]
        else:
            converted = convert(" ".join(w.text for w in ws)).split(" ")
            texts = converted if len(converted) == len(ws) else [convert(w.text) for w in ws]
        out += [replace(w, text=t) for t, w in zip(texts, ws) if t]
    layer.words = out


# --- what the page is made of ---------------------------------------------------------

_MAX_DEPTH = 4


def _page_content(page: pikepdf.Page) -> tuple[bool, float]:
    """(whether text is drawn invisibly, share of the page under its largest image)."""
    box = [float(v) for v in page.mediabox]
    area = abs((box[2] - box[0]) * (box[3] - box[1])) or 1.0
    state = {"invisible": False, "largest": 0.0}
    _walk(page.obj, np.eye(3), state, 0)
    return bool(state["invisible"]), min(1.0, float(state["largest"]) / area)


def _walk(holder: Any, ctm: np.ndarray, state: dict[str, Any], depth: int) -> None:
    """Follow the content of a page or form: track the transformation for image areas
    and the text render mode for invisible text."""
    if depth > _MAX_DEPTH:
        return
    xobjects = holder.get("/Resources", {}).get("/XObject", {})
    stack: list[np.ndarray] = []
    render_mode = 0
    for instruction in pikepdf.parse_content_stream(holder):
        if isinstance(instruction, pikepdf.ContentStreamInlineImage):
            continue
        operands, op = instruction.operands, instruction.operator
        name = str(op)
        if name == "q":
            stack.append(ctm)
        elif name == "Q" and stack:
            ctm = stack.pop()
        elif name == "cm" and len(operands) == 6:
            a, b, c, d, e, f = (float(v) for v in operands)
            ctm = np.array([[a, b, 0], [c, d, 0], [e, f, 1]]) @ ctm
        elif name == "Tr" and operands:
            render_mode = int(operands[0])
        elif name in ("Tj", "TJ", "'", '"') and render_mode in (3, 7):
            state["invisible"] = True
        elif name == "Do" and operands:
            xobj = xobjects.get(str(operands[0]))
            if xobj is None:
                continue
            subtype = xobj.get("/Subtype")
            if subtype == pikepdf.Name.Image:
                state["largest"] = max(state["largest"], abs(np.linalg.det(ctm[:2, :2])))
            elif subtype == pikepdf.Name.Form:
                m = [float(v) for v in xobj.get("/Matrix", [1, 0, 0, 1, 0, 0])]
                form = np.array([[m[0], m[1], 0], [m[2], m[3], 0], [m[4], m[5], 1]])
                _walk(xobj, form @ ctm, state, depth + 1)
