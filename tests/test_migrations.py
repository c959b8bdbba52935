"""The Alembic migrations build exactly the schema the models describe (no drift)."""
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from server.extensions import db


# SQLAlchemy cannot reflect an index on an expression (lower(username)) from SQLite, so the
# comparison skips it; test_usernames_are_unique_without_regard_to_case checks it by behaviour.
@pytest.mark.filterwarnings("ignore:Skipped unsupported reflection of expression-based index")
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based index")
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


def test_usernames_are_unique_without_regard_to_case(app, world):
    """The migrated database itself refuses a second spelling of a taken username."""
    from sqlalchemy.exc import IntegrityError

    from server.auth.models import User

    db.session.add(User(username="MEMBER1", name="x", password_hash="x"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    names = {i["name"] for i in inspect(db.engine).get_indexes("users")} if db.engine.dialect.name != "sqlite" \
        else {r[1] for r in db.session.execute(text("PRAGMA index_list(users)"))}
    assert "uq_users_username_lower" in names
