"""The METS schema (shipped by metsrw) with its XLink import served locally: packages
are validated against the real schema, offline."""

from __future__ import annotations

import os
import tempfile
from functools import cache
from pathlib import Path

import metsrw
import xmlschema

HERE = Path(__file__).parent


@cache
def mets_schema() -> xmlschema.XMLSchema:
    w3c = Path(xmlschema.__file__).parent / "schemas" / "XLINK" / "xlink.xsd"
    shim = (HERE / "schemas" / "xlink-loc.xsd").read_text(encoding="utf-8").replace("W3C_XLINK", w3c.as_uri())
    folder = Path(tempfile.mkdtemp(prefix="xlink-"))
    (folder / "xlink.xsd").write_text(shim, encoding="utf-8")
    mets = Path(os.path.dirname(metsrw.__file__)) / "resources" / "mets.xsd"
    return xmlschema.XMLSchema(
        str(mets), locations={"http://www.w3.org/1999/xlink": str(folder / "xlink.xsd")}, allow="local"
    )
