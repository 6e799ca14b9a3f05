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
