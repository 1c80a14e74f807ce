"""End to end on every degradation profile: pages upright and straight, text right."""

import json

import pytest

from tests.synthetic import PROFILES, load_truth
from tests.synthetic.metrics import cer


@pytest.mark.parametrize("profile", list(PROFILES))
def test_profile_comes_out_upright_straight_and_readable(processed, corpus, profile):
    (scan,) = [p for p in corpus.glob(f"{profile}-000.*") if not p.name.endswith(".json")]
    truth = load_truth(scan)
    record = json.loads((processed / f"{scan.stem}.json").read_text())
    pages = record["documents"][0]["pages"]
    assert len(pages) == len(truth["pages"])
    for page, skew in zip(pages, truth["skew"]):
        assert page["rotation"] == truth["rotate_ccw"]  # clockwise turn undoing it
        assert abs(page["skew_degrees"] - skew) <= 0.15
        assert (page["width_px"], page["height_px"]) == (2480, 3508)
    rate = cer(truth["pages"], [p["text"] for p in pages])
    assert rate <= 0.02, f"{profile}: CER {rate:.2%}"


@pytest.mark.parametrize("profile", list(PROFILES))
def test_registration_fields_read_from_every_profile(processed, corpus, profile):
    (scan,) = [p for p in corpus.glob(f"{profile}-000.*") if not p.name.endswith(".json")]
    truth = load_truth(scan)["fields"]
    fields = json.loads((processed / f"{scan.stem}.json").read_text())["documents"][0]["fields"]
    for key in ("so_ky_hieu", "number", "date", "issuer", "type", "secrecy", "urgency"):
        got = fields.get(key, {}).get("value") if fields.get(key) else None
        assert got == truth[key], (profile, key, got, truth[key])
        if got is not None:
            f = fields[key]
            assert 0 < f["confidence"] <= 1 and f["page"] >= 1 and len(f["box"]) == 4
