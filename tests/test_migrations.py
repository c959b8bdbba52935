"""The Alembic migrations build exactly the schema the models describe (no drift)."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from server.extensions import db


def test_migrations_match_models(app):
    with db.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": True})
        diff = compare_metadata(ctx, db.metadata)
    assert diff == [], f"models and migrations differ: {diff}"


def test_partial_unique_indexes_exist(app):
    """One current link per household / one current leader per member is enforced by the database."""
    insp = inspect(db.engine)
    idx = {i["name"]: i for i in insp.get_indexes("links")}
    assert idx["uq_links_current_household"]["unique"]
    idx = {i["name"]: i for i in insp.get_indexes("leader_links")}
    assert idx["uq_leader_links_current_member"]["unique"]
