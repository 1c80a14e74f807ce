"""python -m tests.synthetic OUT [--count N] [--profiles a,b] [--seed S]"""

import argparse
from pathlib import Path

from .generate import PROFILES, generate

ap = argparse.ArgumentParser(prog="python -m tests.synthetic", description=__doc__)
ap.add_argument("out", type=Path)
ap.add_argument("--count", type=int, default=1, help="documents per profile")
ap.add_argument("--profiles", default=",".join(PROFILES))
ap.add_argument("--seed", type=int, default=1)
ap.add_argument("--paragraphs", type=int, default=None)
a = ap.parse_args()
for s in generate(a.out, a.count, a.profiles.split(","), a.seed, a.paragraphs):
    print(s.path)
