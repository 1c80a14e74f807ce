"""Writes what classifiers/tones.py mends misread tone marks by:

- classifiers/data/compounds.txt: the Vietnamese words of two and three syllables
  (`bồi dưỡng`, `tuyển sinh`; `cơ sở dữ liệu` is four and left out), from Viet74K, the
  74,000-entry word list;
- classifiers/data/standalone.txt: the syllables that stand as a word of their own at
  least three times in the word-segmented VLSP 2013 sample (`để`, `tại`, `ngay`, `thi`):
  common enough alone that standing alone is no sign of a misread mark.

Both from the wheel of the NLP toolkit underthesea on PyPI (Apache-2.0), fetched with
`pip download`, never at run time. Entries are lowered and set in the new-style tone
placement Decree 30 uses (`hòa`, `ủy`); words are kept only when every syllable is a
Vietnamese one (no loanwords spelled as in their language).

    .venv/bin/python scripts/make_compounds.py
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from classifiers.text import clean  # noqa: E402 - the checkout's package, after the path is set
from ocr.vietnamese import is_syllable  # noqa: E402

PACKAGE = "underthesea==9.5.0"
WORDS = "underthesea/corpus/data/Viet74K.txt"
SAMPLE = "underthesea/pipeline/pos_tag/models/pos_crf_vlsp2013_20230303/test_output.txt"
DATA = ROOT / "classifiers" / "data"
_ALONE = 3  # times a syllable stands alone in the sample to be a common word alone


def wheel() -> Path:
    cache = ROOT / ".cache" / "compounds"
    cache.mkdir(parents=True, exist_ok=True)
    found = sorted(cache.glob("underthesea-*.whl"))
    if not found:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", PACKAGE, "--no-deps", "-q", "-d", str(cache)], check=True
        )
        found = sorted(cache.glob("underthesea-*.whl"))
    return found[-1]


def main() -> None:
    with zipfile.ZipFile(wheel()) as whl:
        words_text = whl.read(WORDS).decode("utf-8")
        sample_text = whl.read(SAMPLE).decode("utf-8")
    words = set()
    for line in words_text.splitlines():
        syllables = clean(line).lower().split()
        if 2 <= len(syllables) <= 3 and all(is_syllable(s) for s in syllables):
            words.add(" ".join(syllables))
    alone: Counter[str] = Counter()
    for line in sample_text.splitlines():
        token = clean(line.split("\t")[0]).lower()
        if token and " " not in token and is_syllable(token):
            alone[token] += 1
    common = sorted(s for s, n in alone.items() if n >= _ALONE)
    source = f"# From the PyPI package {PACKAGE} (Apache-2.0), by scripts/make_compounds.py; do not edit.\n"
    (DATA / "compounds.txt").write_text(
        "# Vietnamese words of two and three syllables (Viet74K), lowered, new-style tones.\n"
        + source
        + "\n".join(sorted(words))
        + "\n",
        encoding="utf-8",
    )
    (DATA / "standalone.txt").write_text(
        f"# Syllables a word alone {_ALONE} times or more in the VLSP 2013 sample, lowered.\n"
        + source
        + "\n".join(common)
        + "\n",
        encoding="utf-8",
    )
    print(f"make_compounds: {len(words)} words and {len(common)} syllables alone written to {DATA}")


if __name__ == "__main__":
    main()
