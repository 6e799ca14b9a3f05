"""Organisations, users, passwords and logins, through the services."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from trading.domain.errors import DomainError
from trading.models import AuditEntry, Organisation, User
from trading.services import accounts

GOOD_CODE = "91330100799655058B"


def make_org(session, now, org_type="bidder", code=GOOD_CODE, name="湖北测试建设有限公司"):
    return accounts.create_organisation(session, None, now, name=name, org_type=org_type, credit_code=code)


def make_user(session, now, org, username="zhang", roles=("bidder",), password="secret123"):
    return accounts.create_user(session, None, now, username=username, display_name="张三",
                                organisation_id=org.id, roles=roles, password=password)


def test_an_organisation_is_registered_and_audited(session, now):
    org = make_org(session, now)
    assert org.credit_code == GOOD_CODE
    entry = session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "organisation.create"))
    assert entry.object_id == str(org.id) and entry.rule == "identity.uscc"


def test_a_bad_credit_code_saves_nothing(session, now):
    with pytest.raises(DomainError) as refused:
        make_org(session, now, code="91330100799655058C")
    assert refused.value.field == "credit_code"
    assert session.scalar(sa.select(sa.func.count(Organisation.id))) == 0
    assert session.scalar(sa.select(sa.func.count(AuditEntry.seq))) == 0


def test_a_credit_code_is_registered_once(session, now):
    make_org(session, now)
    with pytest.raises(DomainError) as refused:
        make_org(session, now, name="另一家公司")
    assert refused.value.field == "credit_code"


def test_users_get_hashed_passwords_and_roles_that_fit(session, now):
    org = make_org(session, now)
    user = make_user(session, now, org)
    assert user.roles == {"bidder"}
    assert "secret123" not in user.password_hash and user.password_hash.startswith("scrypt:")
    with pytest.raises(DomainError) as refused:
        make_user(session, now, org, username="lisi", roles=("supervisor",))
    assert refused.value.field == "roles"


@pytest.mark.parametrize("password", ["short1", "lettersonly", "12345678"])
def test_weak_passwords_are_refused(session, now, password):
    org = make_org(session, now)
    with pytest.raises(DomainError) as refused:
        make_user(session, now, org, password=password)
    assert refused.value.field == "password"


def test_login_names_are_unique_whatever_the_case(session, now):
    org = make_org(session, now)
    make_user(session, now, org, username="Zhang")
    with pytest.raises(DomainError) as refused:
        make_user(session, now, org, username="zhang")
    assert refused.value.field == "username"


def login(session, now, password, username="zhang"):
    return accounts.authenticate(session, now, username=username, password=password, address="10.0.0.8")


def test_an_unknown_name_and_a_wrong_password_get_the_same_answer(session, now):
    make_user(session, now, make_org(session, now))
    with pytest.raises(DomainError) as unknown:
        login(session, now, "secret123", username="nobody")
    with pytest.raises(DomainError) as wrong:
        login(session, now, "wrong")
    assert (unknown.value.message, unknown.value.field, unknown.value.params, unknown.value.rule) == \
        (wrong.value.message, wrong.value.field, wrong.value.params, wrong.value.rule)


def test_no_number_of_wrong_passwords_locks_the_account(session, now):
    make_user(session, now, make_org(session, now))
    for _ in range(20):
        with pytest.raises(DomainError):
            login(session, now, "wrong")
    assert login(session, now, "secret123").username == "zhang"


def test_a_deactivated_account_is_named_only_to_whoever_knows_its_password(session, now):
    user = make_user(session, now, make_org(session, now))
    accounts.set_user_active(session, None, now, user, False)
    with pytest.raises(DomainError) as guess:
        login(session, now, "wrong")
    assert guess.value.message == accounts.WRONG_LOGIN


def test_failed_and_successful_logins_are_audited_with_the_address(session, now):
    make_user(session, now, make_org(session, now))
    with pytest.raises(DomainError):
        login(session, now, "wrong")
    login(session, now, "secret123")
    actions = session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.seq)).all()
    assert actions[-2:] == ["auth.login_failed", "auth.login"]
    last = session.scalar(sa.select(AuditEntry).order_by(AuditEntry.seq.desc()))
    assert last.payload == {"address": "10.0.0.8"}


def test_a_deactivated_user_or_organisation_cannot_log_in(session, now):
    org = make_org(session, now)
    user = make_user(session, now, org)
    accounts.set_user_active(session, None, now, user, False)
    with pytest.raises(DomainError) as refused:
        login(session, now, "secret123")
    assert refused.value.field == "username"
    accounts.set_user_active(session, None, now, user, True)
    accounts.set_organisation_active(session, None, now, org, False)
    with pytest.raises(DomainError):
        login(session, now, "secret123")


def test_an_admin_cannot_deactivate_themself(session, now):
    user = make_user(session, now, make_org(session, now))
    with pytest.raises(DomainError):
        accounts.set_user_active(session, user, now, user, False)


def test_changing_a_password_checks_the_current_one(session, now):
    user = make_user(session, now, make_org(session, now))
    with pytest.raises(DomainError) as refused:
        accounts.change_password(session, user, now, current="nope", new="better456")
    assert refused.value.field == "current"
    accounts.change_password(session, user, now, current="secret123", new="better456")
    assert login(session, now, "better456") is user
    assert session.scalar(sa.select(User.password_changed_at)) == now
