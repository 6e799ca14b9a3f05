"""Files kept at least 15 years (政府采购法 第四十二条): the archive records until when, the blob store's clean-up
keeps it, and disposing of it is refused one second before the retention ends and done at its end."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from tests.services.test_evaluation import Scene
from trading import storage
from trading.domain import calendar
from trading.domain.errors import DomainError, Forbidden
from trading.services import archive, result


def test_the_retention_ends_at_the_midnight_after_the_same_date_fifteen_years_on():
    archived = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 2 March 2026, 09:00 in Beijing
    assert archive.kept_until(archived, 15) == calendar.start_of_local_day(calendar.local_date(archived).replace(
        year=2041, day=3))
    leap = datetime(2028, 2, 29, 4, 0, tzinfo=UTC)
    assert calendar.local_date(archive.kept_until(leap, 15)).isoformat() == "2043-03-02"


def test_an_archive_is_kept_fifteen_years_and_disposed_of_only_after(app, session, now, tmp_path):
    scene = Scene(session, now, tmp_path, ["4650000.00", "4598000.00", "4720000.00"], trade_type="procurement")
    publicity = scene.to_publicity()
    award = result.award(scene.ctx, session, scene.people.tenderee, publicity.ends_at, scene.lot, 1)
    at = publicity.ends_at + timedelta(hours=10)
    result.register_contract(scene.ctx, session, scene.people.tenderee, at, scene.lot, number="咸采合〔2026〕9号",
                             signed_on=calendar.local_date(at), amount=str(award.price))
    row = archive.create(scene.ctx, session, scene.people.staff, at, scene.lot)
    assert row.retention_rule == "procurement.files_kept"
    assert row.keep_until == archive.kept_until(at, 15)
    assert archive.kept_until_day(row) == calendar.local_date(at).replace(year=calendar.local_date(at).year + 15
                                                                          ).isoformat()
    session.commit()

    removed = storage.cleanup(session, scene.ctx.store, time.time() + 20 * 365 * 86400)  # twenty years on
    assert removed["orphans"] == 0 and scene.ctx.store.exists(row.blob_key)

    admin = scene.people.staff  # staff archive, only the administrator disposes
    with pytest.raises(Forbidden):
        archive.dispose(scene.ctx, session, admin, row.keep_until, scene.lot, reason="保管期满")
    with pytest.raises(DomainError) as early:
        archive.dispose(scene.ctx, session, "cli", row.keep_until - timedelta(seconds=1), scene.lot,
                        reason="保管期满")
    assert (early.value.rule, early.value.field) == ("procurement.files_kept", "lot")
    assert archive.kept_until_day(row) in str(early.value)
    key = row.blob_key
    archive.dispose(scene.ctx, session, "cli", row.keep_until, scene.lot, reason="保管期满，经批准销毁")
    session.commit()
    assert archive.bundle_of(session, scene.lot) is None and not scene.ctx.store.exists(key)
