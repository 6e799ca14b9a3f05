"""Views of the supervision blueprint."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, render_template, request
from flask_login import current_user

from ...extensions import db
from ...services import audit, visibility
from ..common import now, roles_required
from ..edge import paginate
from .forms import AuditFilterForm

bp = Blueprint("supervision", __name__, url_prefix="/supervision")
LOCAL = ZoneInfo("Asia/Shanghai")


def _local_midnight(day) -> datetime:
    """Start of a Beijing-time day, as an aware datetime."""
    return datetime.combine(day, time(0), tzinfo=LOCAL)


@bp.route("/audit")
@roles_required("supervisor", "admin")
def audit_log():
    """The audit log, newest first, filtered by action, actor, object, rule and date."""
    form = AuditFilterForm(request.args)
    filters = {}
    if form.validate():
        filters = {key: (form[key].data or "").strip() or None
                   for key in ("action", "actor", "object_type", "object_id", "rule")}
        if form.since.data:
            filters["since"] = _local_midnight(form.since.data)
        if form.until.data:
            filters["until"] = _local_midnight(form.until.data + timedelta(days=1))
    query = audit.search(db.session, **filters).where(visibility.audit_filter(db.session, current_user, now()))
    rows = paginate(query, per_page=50)
    args = {key: value for key, value in request.args.items() if key != "page"}
    return render_template("supervision/audit.html", form=form, rows=rows, args=args)


@bp.route("/audit/verify")
@roles_required("supervisor", "admin")
def audit_verify():
    """Verify the whole chain now and show the verdict (the same check as ``flask audit verify``)."""
    verdict = audit.verify(db.session)
    return render_template("supervision/audit_verify.html", verdict=verdict)
