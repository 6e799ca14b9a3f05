"""The auth blueprint and Flask-Login's user loader."""

from __future__ import annotations

from flask import Blueprint
from sqlalchemy.orm import joinedload, selectinload

from ...extensions import db, login_manager
from ...models import User

bp = Blueprint("auth", __name__, url_prefix="/auth")


@login_manager.user_loader
def load_user(alternative_id: str):
    """Flask-Login: the user a session or remember-me cookie names (``id:session_version``, ``User.get_id``).
    A cookie from before a logout, a password change or a reset names an old version and logs nobody in; a
    deactivated user is logged out at once. Its organisation and roles come with it (every page reads both)."""
    user_id, _, version = (alternative_id or "").partition(":")
    if not (user_id.isdigit() and version.isdigit()) or len(user_id) > 18 or len(version) > 18:
        return None
    user = db.session.get(User, int(user_id), options=[joinedload(User.organisation), selectinload(User.role_rows)])
    if user is None or not user.is_active or user.session_version != int(version):
        return None
    return user


login_manager.login_view = "auth.login"
login_manager.login_message = None
