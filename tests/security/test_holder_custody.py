"""Key custody (issue 13, items 5 and 6): each test plays an insider or a thief against the holders of a lot's
opening-key shares, through the services, the web client, the sealing tool and the raw database, and checks that
it fails."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.conftest import login
from tests.services.test_opening import KEY_PASS, scene  # noqa: F401  (the fixture: a lot with bids)
from trading.domain.errors import DomainError, Forbidden
from trading.domain.sealing import holderkeys
from trading.domain.sealing.__main__ import main as tool
from trading.extensions import db
from trading.models import AuditEntry, Clarification, HolderKey, KeyShare, User
from trading.services import accounts, announcements, chronograph, holder_changes, holders, keys, opening
from trading.simulate import demo, lots as walk

STRONG = "otter lantern quarry 47"


def web(app, username: str, password: str = "demo2026"):
    """A test client logged in as ``username``. The tests hold an app context open (the ``session`` fixture), in
    which Flask-Login caches the last request's user (and the views the request's time) on ``g``: drop them."""
    from flask import g

    g.pop("_login_user", None)
    g.pop("now", None)
    client = app.test_client()
    assert login(client, username, password).status_code == 302
    return client


def user(session, username: str) -> User:
    return session.scalar(sa.select(User).where(User.username == username))


def new_account(session, now, admin, username: str, like: User, password: str = "Known2026pass") -> User:
    """An account the administrator creates alone, in the same organisation and roles as ``like``."""
    return accounts.create_user(session, admin, now, username=username, display_name=username,
                                organisation_id=like.organisation_id, roles=sorted(like.roles), password=password)


@pytest.fixture
def world(ctx, session, now):
    """The demo accounts (holders approved by supervisor2) and a construction lot ready to announce."""
    demo.load(session, now)
    people = walk.cast(session)
    lot = walk.create(ctx, session, people, now, "construction")
    walk.advance(ctx, session, people, now, lot, "method_approved")
    return type("World", (), {"ctx": ctx, "people": people, "lot": lot, "admin": user(session, "admin"),
                              "approver": user(session, "supervisor2")})


def announce(session, world, now):
    return announcements.publish(world.ctx, session, world.people.tenderee, now, world.lot,
                                 announcements.propose(world.ctx, world.lot, now))


# --- 5. the operator cannot make itself k of n holders ---------------------------------------------------------

def test_accounts_the_admin_creates_hold_no_share_until_a_second_person_approves(session, now, world):
    """The attack: the admin creates a staff and a supervisor account with passwords it knows, deactivates the real
    holders and announces. The new accounts' keys wait for approval, so the announcement is refused; the admin's
    supervisor account cannot approve them (nor a sibling's), and neither can the admin."""
    admin, people = world.admin, world.people
    mole_staff = new_account(session, now, admin, "mole_staff", people.staff)
    mole_sup = new_account(session, now, admin, "mole_sup", people.supervisor)
    mole_sup2 = new_account(session, now, admin, "mole_sup2", people.supervisor)
    for real in (people.staff, people.supervisor, world.approver):
        accounts.set_user_active(session, admin, now, real, False)
    for n, mole in enumerate((mole_staff, mole_sup, mole_sup2)):  # the admin knows their passwords: it enrols keys
        holders.enrol_server_key(session, mole, now, f"{STRONG} {n}", f"{STRONG} {n}", allowed=True)
    with pytest.raises(DomainError) as refused:
        announce(session, world, now)
    assert refused.value.field == "holders" and refused.value.rule == "electronic.no_early_decrypt"
    with pytest.raises(Forbidden):
        holders.approve(session, admin, now, mole_staff.id)
    with pytest.raises(Forbidden):
        holders.approve(session, mole_staff, now, mole_sup.id)
    for approver, owner in ((mole_sup, mole_staff), (mole_sup, mole_sup2), (mole_sup2, mole_sup),
                            (mole_sup, mole_sup)):
        with pytest.raises(DomainError) as refused:
            holders.approve(session, approver, now, owner.id)
        assert refused.value.rule == "electronic.no_early_decrypt"
    assert {holders.state(session, u) for u in (mole_staff, mole_sup, mole_sup2)} == {"pending"}
    assert world.lot.state == "method_approved"
    assert session.scalar(sa.select(sa.func.count(AuditEntry.seq)).where(AuditEntry.action == "holder_key.approve")
                          .where(AuditEntry.object_id.in_([str(mole_staff.id), str(mole_sup.id)]))) == 0


def test_the_admin_supervisor_cannot_approve_through_the_web_either(app, session, now, world):
    mole_staff = new_account(session, now, world.admin, "mole_staff", world.people.staff)
    new_account(session, now, world.admin, "mole_sup", world.people.supervisor)
    holders.enrol_server_key(session, mole_staff, now, STRONG, STRONG, allowed=True)
    session.commit()
    client = web(app, "mole_sup", "Known2026pass")
    assert "mole_staff" in client.get("/holder-keys").get_data(as_text=True)
    page = client.post(f"/holder-keys/{mole_staff.id}/approve", follow_redirects=True).get_data(as_text=True)
    assert "mole_staff" in page  # still listed: refused
    session.expire_all()
    assert holders.state(session, user(session, "mole_staff")) == "pending"


def test_only_approved_keys_are_chosen_and_a_second_person_can_vouch(session, now, world):
    """With the real staff deactivated, a new staff account is chosen only once an independent supervisor
    approved its key; the announcement names it."""
    mole_staff = new_account(session, now, world.admin, "new_staff", world.people.staff)
    accounts.set_user_active(session, world.admin, now, world.people.staff, False)
    holders.enrol_server_key(session, mole_staff, now, STRONG, STRONG, allowed=True)
    with pytest.raises(DomainError):
        announce(session, world, now)
    holders.approve(session, world.approver, now, mole_staff.id)  # supervisor2: set up at installation
    row = announce(session, world, now)
    key = keys.opening_key_of(session, world.lot)
    host = next(s for s in key.shares if s.role == "host")
    assert host.holder_id == mole_staff.id
    assert holders.key_of(session, mole_staff.id).fingerprint in row.text


def test_reactivation_or_a_change_of_roles_puts_the_key_back_to_pending(session, now, world):
    staff = world.people.staff
    assert holders.state(session, staff) == "active"
    accounts.set_user_active(session, world.admin, now, staff, False)
    accounts.set_user_active(session, world.admin, now, staff, True)
    assert holders.state(session, staff) == "pending"
    reset = session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "holder_key.reset"))
    assert reset.object_id == str(staff.id) and reset.payload["reason"] == "account reactivated"
    with pytest.raises(DomainError):
        announce(session, world, now)
    holders.approve(session, world.approver, now, staff.id)
    # roles changed behind the approval's back (any path, even the database): the key is not usable
    from trading.models import UserRole

    staff.role_rows.append(UserRole(role="admin"))
    session.flush()
    assert holders.state(session, staff) == "stale" and not holders.usable(session, staff)
    assert staff.id in [row.user_id for row in holders.pending(session)]  # back on the supervisors' list
    with pytest.raises(DomainError):
        announce(session, world, now)
    holders.approve(session, world.approver, now, staff.id)  # approved again under its new roles
    assert holders.usable(session, staff)


def test_reactivating_the_organisation_resets_its_holders(session, now, world):
    centre = world.people.staff.organisation
    accounts.set_organisation_active(session, world.admin, now, centre, False)
    accounts.set_organisation_active(session, world.admin, now, centre, True)
    assert holders.state(session, world.people.staff) == "pending"


# --- 6. a database dump and a dictionary open nothing ------------------------------------------------------------

def _row_blob(session, user_id: int) -> holderkeys.PassphraseKey:
    """What a thief reads from a dump: the holder_key row, by raw SQL."""
    row = session.execute(sa.text("SELECT public_key, encrypted_private_key, salt, nonce, argon2_time_cost, "
                                  "argon2_memory_kib, argon2_parallelism FROM holder_key WHERE user_id = :u"),
                          {"u": user_id}).one()
    return holderkeys.PassphraseKey(*[bytes(v) if isinstance(v, (bytes, memoryview)) else v for v in row])


def _dictionary(extra: list[str]) -> list[str]:
    words = sorted(holderkeys.common_passwords())[:300]
    return extra + words + [w + suffix for w in words[:100] for suffix in ("2026", "123", "!")]


@pytest.mark.parametrize("weak", ["password12345", "iloveyou2026!", "qwertyuiop123", "staff-holder-key"])
def test_a_weak_passphrase_is_refused_at_set_up(session, now, world, weak):
    with pytest.raises(DomainError) as refused:
        holders.enrol_server_key(session, world.people.staff, now, weak, weak, allowed=True)
    assert refused.value.field == "passphrase"


def test_the_login_password_is_refused_as_passphrase(session, now, world):
    staff = world.people.staff
    accounts.change_password(session, staff, now, current="demo2026", new="Longlogin2026pass")
    with pytest.raises(DomainError) as refused:
        holders.enrol_server_key(session, staff, now, "Longlogin2026pass", "Longlogin2026pass", allowed=True)
    assert refused.value.field == "passphrase" and "login password" in refused.value.message


def test_a_dictionary_attack_on_a_dumped_server_kept_key_fails_with_a_strong_passphrase(session, now, world):
    staff = world.people.staff
    holders.enrol_server_key(session, staff, now, STRONG, STRONG, allowed=True)
    session.flush()
    blob = _row_blob(session, staff.id)
    guesses = _dictionary(["demo2026", "Demo2026", staff.username, staff.display_name, demo.DEMO_KEY_PASSPHRASE])
    opened = []
    for guess in guesses:
        try:
            opened.append(holderkeys.unlock_server_key(blob, staff.id, guess))
        except DomainError:
            pass
    assert opened == []
    assert holderkeys.unlock_server_key(blob, staff.id, STRONG)  # the attack code does open it with the right one
    assert (blob.time_cost, blob.memory_kib) == (holderkeys.ARGON2_TIME_COST, holderkeys.ARGON2_MEMORY_KIB)


def test_a_login_password_dump_unlocks_no_holder_key(session, now, world):
    """Every demo holder's login password is known to the thief: none of them opens any stored key, whatever the
    format."""
    rows = session.scalars(sa.select(HolderKey)).all()
    assert rows and {r.mode for r in rows} == {"server"}
    for row in rows:
        for password in (demo.DEMO_PASSWORD, row.user.username):
            with pytest.raises(DomainError):
                holderkeys.unlock_server_key(_row_blob(session, row.user_id), row.user_id, password)
        assert row.scrypt_n is None  # nothing is wrapped under a login-password KDF any more


def test_logging_in_makes_no_key_and_a_password_change_touches_none(app, session, now, world):
    staff2 = new_account(session, now, world.admin, "staff2", world.people.staff)
    session.commit()
    client = web(app, "staff2", "Known2026pass")
    session.expire_all()
    assert holders.key_of(session, staff2.id) is None
    client.post("/auth/password", data={"current": "Known2026pass", "new": "Other2026pass", "confirm": "Other2026pass"})
    session.expire_all()
    assert holders.key_of(session, staff2.id) is None


# --- own computer: the server holds public keys only; release with the tool -------------------------------------

def _own_key(tmp_path, monkeypatch, name: str) -> tuple[str, bytes]:
    monkeypatch.setenv("HOLDER_PASS", STRONG)
    path = tmp_path / f"{name}.key"
    assert tool(["holder-key", "new", "--out", str(path), "--passphrase-env", "HOLDER_PASS"]) == 0
    return str(path), holderkeys.key_file_public_key(path.read_bytes())


def _every_stored_byte(session) -> bytes:
    dump = b""
    for table in db.metadata.sorted_tables:
        for row in session.execute(table.select()):
            for value in row:
                dump += bytes(value) if isinstance(value, (bytes, memoryview)) else str(value).encode()
    return dump


@pytest.fixture
def own_world(app, session, now, world, tmp_path, monkeypatch, capsys):
    """staff and supervisor with keys on their own computers (uploaded through the web page), approved, and the lot
    announced with three bids; the clock at the deadline."""
    files = {}
    for name in ("staff", "supervisor"):
        path, public = _own_key(tmp_path, monkeypatch, name)
        files[name] = path
        session.commit()
        client = web(app, name)
        page = client.post("/holder-key", data={"mode": "own", "public_key": public.hex()}, follow_redirects=True)
        assert holderkeys.fingerprint(public) in page.get_data(as_text=True), page.get_data(as_text=True)[-3000:]
    session.expire_all()
    for name in ("staff", "supervisor"):
        assert holders.state(session, user(session, name)) == "pending"
        holders.approve(session, user(session, "supervisor2"), now, user(session, name).id)
    session.commit()
    capsys.readouterr()
    return files


def test_own_computer_keys_leave_no_private_key_in_the_database(session, now, world, own_world, tmp_path):
    announce(session, world, now)
    session.flush()
    dump = _every_stored_byte(session)
    for name, path in own_world.items():
        row = holders.key_of(session, user(session, name).id)
        assert row.mode == "own" and row.encrypted_private_key is None and row.salt is None
        private = holderkeys.open_key_file(open(path, "rb").read(), STRONG)
        from cryptography.hazmat.primitives import serialization

        raw = private.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                    serialization.NoEncryption())
        assert raw not in dump and raw.hex().encode() not in dump


def test_released_files_forged_early_or_of_another_holder_are_refused(session, now, scene):  # noqa: F811
    """Before the deadline no sealed share is handed out; after it, a forged share, another holder's share, another
    index or another lot's code are refused, naming the field; the genuine files open the bids."""
    lot = scene.lot  # announced with the demo's server-kept keys: the released files are made with those keys
    scene.submit(3)

    def released(holder, share):
        """What the tool writes: the share opened with the holder's key (here the server-kept demo key)."""
        from trading.domain.sealing import ceremony, sharefiles

        row = holders.key_of(session, holder.id)
        private = holderkeys.unlock_server_key(holders.server_blob(row), holder.id, KEY_PASS)
        sealed = ceremony.SealedShare(str(share.holder_id), share.role, share.index, share.sealed, share.share_hash)
        return sharefiles.released_share_file(lot.deal_code, sealed, ceremony.open_share(sealed, lot.deal_code,
                                                                                          private))

    with pytest.raises(DomainError) as early:
        opening.sealed_share_file(session, scene.people.staff, now, lot)
    assert early.value.rule == "electronic.no_early_decrypt"
    at = lot.bid_deadline
    shares = {s.role: s for s in keys.opening_key_of(session, lot).shares}
    with pytest.raises(DomainError) as early:  # even a genuine released share, a second before the deadline
        opening.release_uploaded_share(scene.ctx, session, scene.people.staff, at - timedelta(seconds=1), lot,
                                       released(scene.people.staff, shares["host"]))
    assert early.value.rule == "electronic.no_early_decrypt"
    chronograph.tick(scene.ctx, session, at)
    assert lot.state == "opening"

    staff, supervisor = scene.people.staff, scene.people.supervisor
    theirs = released(supervisor, shares["supervisor"])
    cases = {"released.holder_id": theirs,
             "released.share": _edit(released(staff, shares["host"]), share="00" * 16),
             "released.index": _edit(released(staff, shares["host"]), index=shares["supervisor"].index),
             "released.lot_code": _edit(released(staff, shares["host"]), lot_code="E0000000000000000000")}
    for field, data in cases.items():
        with pytest.raises(DomainError) as refused:
            opening.release_uploaded_share(scene.ctx, session, staff, at, lot, data)
        assert refused.value.field == field
    assert opening.record(session, lot) == []
    opening.release_uploaded_share(scene.ctx, session, staff, at, lot, released(staff, shares["host"]))
    opening.release_uploaded_share(scene.ctx, session, supervisor, at, lot, theirs)
    assert [e.status for e in opening.record(session, lot)] == ["opened"] * 3


def _edit(data: bytes, **changes) -> bytes:
    document = json.loads(data)
    document.update(changes)
    return json.dumps(document).encode()


def test_the_tool_releases_a_share_the_platform_accepts(app, session, now, world, own_world, tmp_path, capsys):
    """The whole own-computer path through the web: announce, after the deadline download the sealed share, open it
    with ``release-share``, upload it; a share uploaded before the deadline is refused."""
    announce(session, world, now)
    session.commit()
    lot_id, deadline = world.lot.id, world.lot.bid_deadline
    client = web(app, "staff")
    early = client.get(f"/lots/{lot_id}/opening/share.json")
    assert early.status_code == 302  # refused before the deadline (the reason is flashed)
    # move the lot to its opening without bids being needed for the release checks
    world.lot.state = "opening"
    session.commit()
    app.extensions["trading"].clock.move_to(deadline)
    client = web(app, "staff")
    room = client.get(f"/lots/{lot_id}/opening").get_data(as_text=True)
    assert "/opening/share.json" in room and "release-share" in room and 'name="passphrase"' not in room
    sealed = client.get(f"/lots/{lot_id}/opening/share.json")
    assert sealed.status_code == 200 and json.loads(sealed.data)["format"] == "trading/sealed-share/v1"
    (tmp_path / "share.json").write_bytes(sealed.data)
    out = tmp_path / "released.json"
    assert tool(["release-share", "--share", str(tmp_path / "share.json"), "--key", own_world["staff"],
                 "--passphrase-env", "HOLDER_PASS", "--out", str(out)]) == 0
    client.post(f"/lots/{lot_id}/opening/release-file",
                data={"released": (io.BytesIO(out.read_bytes()), "released.json")},
                content_type="multipart/form-data")
    session.expire_all()
    host = next(s for s in keys.opening_key_of(session, world.lot).shares if s.role == "host")
    assert host.released_at is not None


# --- holders are published, and changing one needs the supervisory body ------------------------------------------

def test_holders_and_their_fingerprints_are_published_to_bidders(app, session, now, world):
    row = announce(session, world, now)
    session.commit()
    key = keys.opening_key_of(session, world.lot)
    client = web(app, "bidder4")  # a bidder that has not signed up
    page = client.get(f"/lots/{world.lot.id}").get_data(as_text=True)
    for share in key.shares:
        fingerprint = holders.key_of(session, share.holder_id).fingerprint
        assert fingerprint in row.text and fingerprint in page
        assert share.holder.display_name in row.text and share.holder.display_name in page


def _staff2(session, now, world) -> User:
    staff2 = new_account(session, now, world.admin, "staff2", world.people.staff)
    holders.enrol_server_key(session, staff2, now, STRONG, STRONG, allowed=True)
    holders.approve(session, world.approver, now, staff2.id)
    return staff2


def test_a_holder_change_before_any_bid_revokes_the_share_and_is_announced(session, now, world):
    announce(session, world, now)
    staff2 = _staff2(session, now, world)
    before = keys.opening_key_of(session, world.lot).fingerprint
    change = holder_changes.request_change(session, world.people.staff, now, world.lot, "host", staff2.id,
                                           "原开标主持人休假")
    for wrong in (world.people.staff, staff2):  # the requester is no supervisor; the incoming holder decides nothing
        with pytest.raises((Forbidden, DomainError)):
            holder_changes.decide(session, wrong, now, change.id, True)
    assert keys.opening_key_of(session, world.lot).fingerprint == before
    holder_changes.decide(session, world.approver, now, change.id, True)
    key = keys.opening_key_of(session, world.lot)
    assert change.outcome == "revoked" and key.fingerprint == before  # the same path as after bids (法 Art. 22)
    assert next(s for s in key.shares if s.role == "host").revoked_at is not None
    notice = session.scalar(sa.select(Clarification).where(Clarification.lot_id == world.lot.id))
    assert before in notice.text and "作废" in notice.text and staff2.display_name in notice.text
    actions = set(session.scalars(sa.select(AuditEntry.action).where(AuditEntry.action.like("holder_change.%"))))
    assert actions == {"holder_change.request", "holder_change.approve"}


def test_a_holder_change_after_bids_revokes_the_old_share_and_keeps_k(session, now, scene):  # noqa: F811
    scene.submit(3)
    staff2 = new_account(session, now, user(session, "admin"), "staff2", scene.people.staff)
    holders.enrol_server_key(session, staff2, now, STRONG, STRONG, allowed=True)
    holders.approve(session, user(session, "supervisor2"), now, staff2.id)
    lot = scene.lot
    before = keys.opening_key_of(session, lot).fingerprint
    change = holder_changes.request_change(session, scene.people.staff, now, lot, "host", staff2.id, "主持人调岗")
    holder_changes.decide(session, user(session, "supervisor2"), now, change.id, True)
    key = keys.opening_key_of(session, lot)
    host = next(s for s in key.shares if s.role == "host")
    assert change.outcome == "revoked" and key.fingerprint == before and host.revoked_at is not None
    notice = session.scalar(sa.select(Clarification).where(Clarification.lot_id == lot.id))
    assert "作废" in notice.text
    # a second revocation would leave fewer than k usable shares: refused
    tenderee2 = new_account(session, now, user(session, "admin"), "tenderee_rep2", scene.people.tenderee)
    holders.enrol_server_key(session, tenderee2, now, STRONG, STRONG, allowed=True)
    holders.approve(session, user(session, "supervisor2"), now, tenderee2.id)
    second = holder_changes.request_change(session, scene.people.staff, now, lot, "tenderee", tenderee2.id, "委托变更")
    with pytest.raises(DomainError) as refused:
        holder_changes.decide(session, user(session, "supervisor2"), now, second.id, True)
    assert refused.value.rule == "electronic.no_early_decrypt" and "fewer than" in refused.value.message
    at = lot.bid_deadline
    chronograph.tick(scene.ctx, session, at)
    with pytest.raises(DomainError):
        opening.release_share(scene.ctx, session, scene.people.staff, at, lot, KEY_PASS)
    for holder in (scene.people.supervisor, scene.people.tenderee):
        opening.release_share(scene.ctx, session, holder, at, lot, KEY_PASS)
    assert [e.status for e in opening.record(session, lot)] == ["opened"] * 3
    assert session.scalar(sa.select(KeyShare.released_at).where(KeyShare.id == host.id)) is None



def test_the_admin_is_told_a_reactivated_holder_needs_a_new_approval(app, session, now, world):
    session.commit()
    staff_id = world.people.staff.id
    admin = web(app, "admin")
    admin.post(f"/admin/users/{staff_id}/active", data={"active": "0"})
    page = admin.post(f"/admin/users/{staff_id}/active", data={"active": "1"}, follow_redirects=True)
    assert "监督人员" in page.get_data(as_text=True) or "supervisor" in page.get_data(as_text=True)
    session.expire_all()
    assert holders.state(session, user(session, "staff")) == "pending"
