"""The schema comes from migrations, and the migrations match the models."""

from __future__ import annotations

import os

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from trading.extensions import db


def test_the_migrations_build_exactly_the_models_schema(app):
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == [], "a model changed without a migration: run `flask db migrate`"


def test_the_postgresql_pass_really_runs_on_postgresql(app):
    """In CI the second pass sets DATABASE_URL; make sure the suite did not fall back to SQLite."""
    wanted = os.environ.get("DATABASE_URL", "")
    with app.app_context():
        dialect = db.engine.dialect.name
    assert dialect == ("postgresql" if wanted.startswith("postgresql") else "sqlite")


def test_the_opening_price_migration_parses_the_old_text_and_keeps_it(tmp_path):
    """0017_opening_price on a database with an opening record written as text: prices that parse become Decimal
    yuan (full-width digits and a 万元 unit included), the text is kept beside them, and text that does not parse
    keeps only the text; the downgrade brings the text column back."""
    from decimal import Decimal

    import sqlalchemy as sa
    from flask_migrate import downgrade, upgrade

    from trading import create_app

    url = "sqlite:///" + str(tmp_path / "migrate.db")
    app = create_app({"TESTING": True, "SECRET_KEY": "test", "KEK": "7e" * 32, "SQLALCHEMY_DATABASE_URI": url,
                      "CLOCK": "real"}, instance_path=str(tmp_path / "instance"))
    texts = ["38100000.00", "３６，９８０，０００．５０", "3,688万元", "见投标函", None]
    with app.app_context():
        upgrade(revision="0015_sessions")
        with db.engine.begin() as conn:  # SQLite does not check the foreign keys here: the record alone will do
            for n, text in enumerate(texts, start=1):
                conn.execute(sa.text("INSERT INTO opening_entry (id, lot_id, round, bid_id, bidder_id, position, "
                                     "status, price, fields, files, reason, opened_at) VALUES (:n, 1, 1, :n, :n, :n, "
                                     "'opened', :text, '{}', '[]', '', '2026-03-02 01:00:00')"), {"n": n, "text": text})
        upgrade()
        with db.engine.connect() as conn:
            rows = conn.execute(sa.select(sa.column("price", sa.Numeric(18, 2)), sa.column("price_text"))
                                .select_from(sa.table("opening_entry")).order_by(sa.text("id"))).all()
        assert [tuple(row) for row in rows] == [
            (Decimal("38100000.00"), "38100000.00"), (Decimal("36980000.50"), "３６，９８０，０００．５０"),
            (Decimal("36880000.00"), "3,688万元"), (None, "见投标函"), (None, None)]
        downgrade(revision="0015_sessions")
        with db.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT price FROM opening_entry ORDER BY id")).scalars().all() == texts
        db.engine.dispose()


def _insert(conn, table: str, **values) -> None:
    """A row with ``values`` and a placeholder in every other NOT NULL column without a default (SQLite)."""
    import sqlalchemy as sa

    for _cid, name, kind, notnull, default, pk in conn.execute(sa.text(f"PRAGMA table_info({table})")).all():
        if notnull and default is None and not pk and name not in values:
            kind = kind.upper()
            values[name] = 0 if ("INT" in kind or "NUMERIC" in kind or "BOOL" in kind) else \
                "2026-03-02 01:00:00" if ("DATE" in kind or "TIME" in kind) else "{}" if "JSON" in kind else "x"
    names = ", ".join(values)
    conn.execute(sa.text(f"INSERT INTO {table} ({names}) VALUES ({', '.join(':' + n for n in values)})"), values)


def test_the_contract_payments_migration_carries_land_and_property_payments_into_one_table(tmp_path):
    """0034_contract_payments on a database with a land contract's payments (its deposit and a bank payment) and a
    property contract paid in part (its applied deposit, one payment staff recorded): every land row is kept as it
    was; the property contract gets its deposit as its first row on the deal's day, the recorded payment kept as one
    settled outside the centre on its day, and a collection sub-account under the centre's settlement account; the
    downgrade gives the land rows their table back and the recorded payment its old shape."""
    import json
    from decimal import Decimal

    import sqlalchemy as sa
    from flask_migrate import downgrade, upgrade

    from trading import create_app

    url = "sqlite:///" + str(tmp_path / "migrate.db")
    app = create_app({"TESTING": True, "SECRET_KEY": "test", "KEK": "7e" * 32, "SQLALCHEMY_DATABASE_URI": url,
                      "CLOCK": "real"}, instance_path=str(tmp_path / "instance"))
    with app.app_context():
        upgrade(revision="0033_property_followup")
        with db.engine.begin() as conn:  # SQLite does not check the foreign keys here
            _insert(conn, "bank_account", id=1, number="621790000001", name="专户", kind="settlement", balance=0)
            _insert(conn, "transfer_contract", id=1, lot_id=1, round=1, buyer_id=5, number="咸土出1", price=100,
                    payment="land_grant", signed_on="2026-03-01", terms=json.dumps({"account": "62170000001"}))
            _insert(conn, "transfer_contract", id=2, lot_id=2, round=1, buyer_id=6, number="XN-CQ-1", price=1000,
                    payment="instalments", signed_on="2026-03-01", terms=json.dumps({"payment": "instalments"}))
            _insert(conn, "land_payment", contract_id=1, transfer_id=7, source="deposit", payer_account="A",
                    amount=20, at="2026-03-01 02:00:00")
            _insert(conn, "land_payment", contract_id=1, transfer_id=8, source="bank", payer_account="A",
                    amount=30, at="2026-03-05 02:00:00")
            _insert(conn, "contract_payment", contract_id=2, amount=300, paid_on="2026-03-04", reference="HBYH01",
                    recorded_by_id=3, recorded_at="2026-03-04 03:00:00")
            _insert(conn, "deposit", lot_id=2, round=1, bidder_id=6, status="applied", received=100, required=100)
            _insert(conn, "auction", lot_id=2, round=1, decided_at="2026-02-20 09:00:00")
        upgrade(revision="0034_contract_payments")
        with db.engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT contract_id, source, amount, at, transfer_id, reference, approval "
                                        "FROM contract_payment ORDER BY contract_id, at")).all()
            account = conn.execute(sa.text("SELECT number, kind, parent_id, organisation_id, lot_id FROM bank_account "
                                           "WHERE kind = 'virtual'")).one()
            terms = json.loads(conn.execute(sa.text("SELECT terms FROM transfer_contract WHERE id = 2")).scalar())
        assert [(r[0], r[1], Decimal(str(r[2])), str(r[3])[:19], r[4], r[5], r[6]) for r in rows] == [
            (1, "deposit", Decimal("20"), "2026-03-01 02:00:00", 7, None, None),
            (1, "bank", Decimal("30"), "2026-03-05 02:00:00", 8, None, None),
            (2, "deposit", Decimal("100"), "2026-02-19 16:00:00", None, None, None),  # the deal's day, Beijing time
            (2, "outside", Decimal("300"), "2026-03-03 16:00:00", None, "HBYH01", None)]
        assert account[1:] == ("virtual", 1, 6, 2) and account[0].startswith("621790000001")
        assert terms == {"payment": "instalments", "account": account[0]}
        downgrade(revision="0033_property_followup")
        with db.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT source, amount FROM land_payment ORDER BY id")).all() == [
                ("deposit", 20), ("bank", 30)]
            assert conn.execute(sa.text("SELECT contract_id, amount, paid_on, reference FROM contract_payment")
                                ).all() == [(2, 300, "2026-03-04", "HBYH01")]
        db.engine.dispose()
