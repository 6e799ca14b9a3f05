"""The OCDS 1.1 schema validators the tests share: the standard's own schema, read from ../shared/ocds/1.1 (never
copied here), with jsonschema (Draft 4, as the standard is written)."""

from __future__ import annotations

import json
import os

import pytest

from trading import ROOT

SCHEMAS = ROOT.parent / "shared" / "ocds" / "1.1"
# The bids extension's bidStatus codelist (ocds_bid_extension v1.1.5; the extension is not in ../shared/ocds/1.1)
BID_STATUSES = {"invited", "pending", "valid", "disqualified", "withdrawn"}


def validators() -> dict:
    """``{"release" | "release-package" | "record-package": Draft4Validator}``; skipped where the schema is
    missing, except in CI, where that fails."""
    jsonschema = pytest.importorskip("jsonschema")
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT4

    if not SCHEMAS.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"the OCDS schema is missing at {SCHEMAS}")
        pytest.skip(f"the OCDS schema is not at {SCHEMAS}")
    loaded = {name: json.loads((SCHEMAS / f"{name}-schema.json").read_text(encoding="utf-8"))
              for name in ("release", "release-package", "record-package")}
    registry = Registry().with_resources((schema["id"], Resource.from_contents(schema, default_specification=DRAFT4))
                                         for schema in loaded.values())
    found = {name: jsonschema.Draft4Validator(schema, registry=registry) for name, schema in loaded.items()}
    # the core schema's own definitions, for the parts of the bids extension built from them
    release = loaded["release"]
    for name in ("OrganizationReference", "Value"):
        found[name] = jsonschema.Draft4Validator({**release["definitions"][name], "definitions":
                                                  release["definitions"]}, registry=registry)
    return found


def assert_valid(validator, document, where: str) -> None:
    problems = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document)]
    assert not problems, f"{where}: " + "; ".join(problems[:5])
