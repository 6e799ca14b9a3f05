"""The API v1 fuzzed from its own OpenAPI document with schemathesis (issue 20): every operation of
``/api/v1/openapi.json``, run against the README's demo with a few generated requests each (valid and invalid
parameters, with the token of the organisation whose scope the route names), answers no 5xx and only what the
document says: a documented status, its media type, a body matching its schema.

Bounded (``EXAMPLES`` a operation, no shrinking, no example database) so that it stays well under a minute on one
core. Without schemathesis installed it is skipped with the reason, except in CI (CI=true), where it must run.
"""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa

from tests.web.test_api_v1 import bearer, token_for
from trading.extensions import db
from trading.models import Bid, Organisation, User

try:
    import schemathesis
    from hypothesis import HealthCheck, Phase, given, settings
    from schemathesis import GenerationMode
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )
except ImportError:  # pragma: no cover - the skip itself
    if os.environ.get("CI") == "true":
        raise
    pytest.skip("schemathesis is not installed: pip install -r requirements.txt", allow_module_level=True)

EXAMPLES = 3  # generated requests per operation and mode
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# which organisation's token each token route gets: the one whose role holds the route's scope
TOKENS = {"/api/v1/me/lots": ("tenderee1", ["lots"]), "/api/v1/supervision/": ("supervisor", ["supervision"]),
          "/api/v1/me/": ("bidder1", ["read", "bids"]), "/api/v1/lots/{lot_id}/bids": ("bidder1", ["read", "bids"])}


# the query of a request that must find something (a period the demo has figures for)
KNOWN_QUERY = {"/api/v1/statistics": {"period": "year", "value": "2026"}}


def _token_for_path(path: str, tokens: dict) -> dict:
    for prefix, owner in TOKENS.items():
        if path.startswith(prefix):
            return tokens[owner[0]]
    return {}


def _known_rows(app) -> dict:
    """Path parameters of rows the demo has (lot 5, its announcement, the supervision lot's warning and order, a
    receipt of bidder1's), so that each operation is also asked about something that exists."""
    with app.app_context():
        bidder = db.session.scalar(sa.select(User.organisation_id).where(User.username == "bidder1"))
        bid = db.session.scalar(sa.select(Bid).join(Organisation).where(Bid.bidder_id == bidder).limit(1))
        return {"lot_id": 5, "announcement_id": 1, "warning_id": 1, "order_id": 1,
                "receipt_id": bid.receipt["receipt_id"]}


def test_every_operation_answers_as_its_document_says_and_never_5xx(restore_demo):
    app = restore_demo()
    tokens = {username: bearer(token_for(app, username, scopes)) for username, scopes in TOKENS.values()}
    known = _known_rows(app)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20, "every route of the API is in the document"
    failures: list[str] = []
    statuses: dict[str, set[int]] = {}
    for operation in operations:
        # an operation that takes nothing (no path, query or body) has no invalid request to be made
        takes = any(len(part) for part in (operation.path_parameters, operation.query, operation.body))
        fixed = {name: known[name] for name in (p.name for p in operation.path_parameters)}
        runs = [(mode, None, None) for mode in ((GenerationMode.POSITIVE, GenerationMode.NEGATIVE) if takes
                                                else (GenerationMode.POSITIVE,))]
        if fixed or operation.path in KNOWN_QUERY:  # and once about rows that exist
            runs.append((GenerationMode.POSITIVE, fixed or None, KNOWN_QUERY.get(operation.path)))
        for mode, path_parameters, query in runs:
            try:
                _fuzz(operation.as_strategy(generation_mode=mode, path_parameters=path_parameters, query=query),
                      _token_for_path(operation.path, tokens),
                      statuses.setdefault(f"{operation.method.upper()} {operation.path}", set()))
            except Exception as error:  # collected, each named with its operation
                failures.append(f"{operation.method.upper()} {operation.path} ({mode.value}, {path_parameters}, "
                                f"{query}): {str(error)[:3000]}")
    assert not failures, "\n\n".join(failures)
    # every operation answered a valid request with what it is for (the token routes with the right token), and
    # the upload a made-up envelope with a refusal, not a receipt
    upload = statuses.pop("POST /api/v1/lots/{lot_id}/bids")
    assert not [route for route, answers in statuses.items() if 200 not in answers], statuses
    assert 422 in upload and 201 not in upload, upload


def _fuzz(cases, headers: dict, statuses: set[int]) -> None:
    """``EXAMPLES`` requests drawn from ``cases``, each checked against the document (the statuses answered are
    added to ``statuses``)."""

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=cases)
    def run(case):
        statuses.add(case.call_and_validate(headers=headers, checks=CHECKS).status_code)

    run()
