"""The lots blueprint object and what its views share: loading a lot and deciding who may see it."""

from __future__ import annotations

from flask import Blueprint, abort
from flask_login import current_user

from ...domain import lifecycle
from ...extensions import db
from ...models import Lot, Project
from ...services.lots import acts_for_tenderee

bp = Blueprint("lots", __name__)

INTERNAL = ("staff", "supervisor", "admin")


def may_see_project(project: Project) -> bool:
    """Staff, supervisors and admins see every project; a tenderee or agency sees its own."""
    return current_user.has_role(*INTERNAL) or acts_for_tenderee(current_user, project)


def may_see_lot(lot: Lot) -> bool:
    """Project readers see the lot; bidders see it once it has been announced (in an earlier round, too)."""
    if may_see_project(lot.project):
        return True
    return current_user.has_role("bidder") and (lifecycle.published(lot.state, lot.previous_state) or lot.round > 1)


def load_lot(lot_id: int) -> Lot:
    """The lot for this request, or 404 when it does not exist or is not visible to the user."""
    lot = db.session.get(Lot, lot_id)
    if lot is None or not may_see_lot(lot):
        abort(404)
    return lot


def load_project(project_id: int) -> Project:
    """The project for this request, or 404."""
    project = db.session.get(Project, project_id)
    if project is None or not may_see_project(project):
        abort(404)
    return project


def require_party(project: Project) -> None:
    """403 unless the user acts for the project's tenderee."""
    if not acts_for_tenderee(current_user, project):
        abort(403)
