"""Public routes of the API v1: no token, published facts only (services/open_data.py)."""

from __future__ import annotations

from flask import url_for
from flask_smorest import Blueprint

from ...extensions import csrf, db
from ...platform import current_platform
from ...services import changes as change_feed, open_data, published_keys
from ..common import now
from . import schemas
from .problems import refusal

blp = Blueprint("api_public", __name__, url_prefix="/api/v1",
                description="Published facts: announcements, lots, results, contracts, keys, statistics, blacklist")
csrf.exempt(blp)


@blp.route("/announcements")
@blp.arguments(schemas.ListArgs, **schemas.QUERY)
@blp.response(200, schemas.AnnouncementPage)
def announcements(**args):
    """Published announcements (交易公告), oldest first."""
    return open_data.announcements(db.session, **args)


@blp.route("/announcements/<int:announcement_id>")
@blp.response(200, schemas.Announcement)
@refusal(blp, 404, "No such announcement")
def announcement(announcement_id: int):
    """One announcement with its full text (Chinese, as published)."""
    return open_data.announcement(db.session, announcement_id)


@blp.route("/lots")
@blp.arguments(schemas.LotArgs, **schemas.QUERY)
@blp.response(200, schemas.LotPage)
def lots(**args):
    """Published lots (from their first announcement on) with what is published about them."""
    return open_data.lots(db.session, now(), **args)


@blp.route("/lots/<int:lot_id>")
@blp.response(200, schemas.Lot)
@refusal(blp, 404, "No such published lot")
def lot(lot_id: int):
    """One published lot: what its announcement states, its state, the opening record's counts once the opening is
    under way, its result publicity, award and (government procurement) contract."""
    return open_data.lot(db.session, lot_id, now())


@blp.route("/results")
@blp.arguments(schemas.ListArgs, **schemas.QUERY)
@blp.response(200, schemas.ResultPage)
def results(**args):
    """Published results (中标候选人公示, 成交结果公告) with the award once made, in the order published."""
    return open_data.results(db.session, now(), **args)


@blp.route("/contracts")
@blp.arguments(schemas.ContractArgs, **schemas.QUERY)
@blp.response(200, schemas.ContractPage)
def contracts(**args):
    """Government procurement contract announcements (政府采购合同公告), in the order registered."""
    return open_data.contracts(db.session, **args)


@blp.route("/keys")
@blp.response(200, schemas.PublishedKey(many=True))
def keys():
    """The platform's published public keys: receipts, archive, beacon, call gateway and the CA certificate."""
    return [{"name": key.name, "filename": key.filename, "purpose": key.purpose, "purpose_zh": key.purpose_zh,
             "fingerprint": key.fingerprint, "same_as": key.same_as, "text": key.text,
             "url": url_for("keys.key_file", filename=key.filename)}
            for key in published_keys.published(current_platform().keyring)]


@blp.route("/statistics")
@blp.arguments(schemas.StatisticsArgs, **schemas.QUERY)
@blp.response(200, schemas.Statistics)
def statistics(**args):
    """The centre's figures for a period of award dates, a region and a trade type, broken down by trade type,
    month and region (definitions in docs/STATISTICS.md)."""
    return open_data.statistics_report(db.session, **args)


@blp.route("/blacklist")
@blp.arguments(schemas.PageArgs, **schemas.QUERY)
@blp.response(200, schemas.BlacklistPage)
def blacklist(**args):
    """The blacklist entries in force now (失信名单)."""
    return open_data.blacklist(db.session, now(), **args)


@blp.route("/changes")
@blp.arguments(schemas.ChangeArgs, **schemas.QUERY)
@blp.response(200, schemas.ChangePage)
def changes(since: str | None = None, limit: int = 50):
    """Every published change to a lot, oldest first, from the audit chain: follow it with since=next_cursor to
    mirror the platform without missing or repeating a change."""
    return change_feed.since(db.session, since, limit)
