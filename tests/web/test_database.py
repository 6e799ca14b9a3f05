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
