"""Issue 13, leak 2, through a change of key holder: the change is announced publicly beside the clarifications
before the deadline. What the announcement says (and whether the opening key changes) must not depend on
whether any bid has come in, or every visitor learns that someone bid."""

from __future__ import annotations

import sqlalchemy as sa

from tests.security.test_holder_custody import STRONG, new_account, user
from tests.services.test_opening import scene  # noqa: F401  (the fixture: a lot taking sealed bids)
from trading.models import Clarification
from trading.services import holder_changes, holders, keys


def test_a_public_holder_change_notice_does_not_tell_whether_anyone_bid(session, now, scene):  # noqa: F811
    scene.submit(1)
    staff2 = new_account(session, now, user(session, "admin"), "staff2", scene.people.staff)
    holders.enrol_server_key(session, staff2, now, STRONG, STRONG, allowed=True)
    holders.approve(session, user(session, "supervisor2"), now, staff2.id)
    before = keys.opening_key_of(session, scene.lot).fingerprint
    change = holder_changes.request_change(session, scene.people.staff, now, scene.lot, "host", staff2.id,
                                           "主持人调岗")
    holder_changes.decide(session, user(session, "supervisor2"), now, change.id, True)
    notice = session.scalar(sa.select(Clarification).where(Clarification.lot_id == scene.lot.id)).text
    assert "收到投标文件" not in notice, "the public notice says whether bids have come in"
    assert before in notice  # the notice names the opening key; whether it changed must not follow the bids either
