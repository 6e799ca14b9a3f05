"""OCDS 1.1 releases, records and packages of the published lots (domain/ocds.py maps; this gathers), for the API
(``/api/v1/ocds/release-package``, ``/api/v1/ocds/record-package``) and the bulk export (``flask ocds export``).

The facts come from ``services.open_data.lot_facts`` read at ``now``: the visibility policy has already decided
what is published, so a release never holds anything the public pages do not show at that time.

Release packages are paged by release date (then release id): the cursor is the position of the last release
handed out in that order. A stage reached later always has a later date than the earlier ones of the platform
(dates come from the clock of each change), so a mirror paging forward gets new releases on later pages.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa

from ..domain import ocds
from ..models import Announcement, Lot
from .open_data import check_limit, decode_cursor, encode_cursor, lot_facts


def _published_lots(session, after_id: int = 0, limit: int | None = None) -> list[Lot]:
    query = (sa.select(Lot).where(Lot.id.in_(sa.select(Announcement.lot_id)), Lot.id > after_id,
                                  Lot.deal_code.is_not(None)).order_by(Lot.id))
    return list(session.scalars(query.limit(limit) if limit else query))


def all_releases(session, prefix: str, now: datetime) -> list[dict]:
    """Every release of every published lot, by date then id."""
    found = [release for lot in _published_lots(session)
             for release in ocds.releases(prefix, lot_facts(session, lot, now))]
    return sorted(found, key=lambda r: (r["date"], r["id"]))


def release_page(session, prefix: str, now: datetime, cursor: str | None, limit: int | None):
    """One page of releases by date, and the cursor of the next page (None on the last)."""
    after = decode_cursor("releases", cursor)
    limit = check_limit(limit)
    found = all_releases(session, prefix, now)
    page = found[after:after + limit]
    more = after + limit < len(found)
    return page, encode_cursor("releases", after + limit) if more else None


def record_page(session, prefix: str, now: datetime, cursor: str | None, limit: int | None):
    """One page of records, one per published lot in id order, and the cursor of the next page."""
    after = decode_cursor("records", cursor)
    limit = check_limit(limit)
    lots = _published_lots(session, after, limit + 1)
    more = len(lots) > limit
    lots = lots[:limit]
    records = [ocds.record(prefix, lot_facts(session, lot, now)) for lot in lots]
    return [r for r in records if r], encode_cursor("records", lots[-1].id) if more else None


def release_package(uri: str, now: datetime, publisher: str, releases: list[dict]) -> dict:
    return {**ocds.package_meta(uri, now, publisher), "releases": releases}


def record_package(uri: str, now: datetime, publisher: str, records: list[dict]) -> dict:
    return {**ocds.package_meta(uri, now, publisher), "records": records}


def export(session, prefix: str, now: datetime, publisher: str, folder: str, base_uri: str) -> dict[str, int]:
    """Write the whole OCDS view: ``release-package.json`` (every release), ``record-package.json`` (every
    record) and one ``records/<ocid>.json`` per lot; returns the counts."""
    out = Path(folder)
    (out / "records").mkdir(parents=True, exist_ok=True)
    releases = all_releases(session, prefix, now)
    records = [r for r in (ocds.record(prefix, lot_facts(session, lot, now)) for lot in _published_lots(session)) if r]

    def write(path: Path, data: dict) -> None:
        temporary = path.with_suffix(".json.tmp")
        temporary.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
        temporary.replace(path)

    write(out / "release-package.json", release_package(f"{base_uri}/release-package.json", now, publisher,
                                                        releases))
    write(out / "record-package.json", record_package(f"{base_uri}/record-package.json", now, publisher, records))
    for item in records:
        write(out / "records" / f"{item['ocid']}.json",
              record_package(f"{base_uri}/records/{item['ocid']}.json", now, publisher, [item]))
    return {"releases": len(releases), "records": len(records)}
