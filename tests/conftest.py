"""Test setup: a real database (SQLite file, or PostgreSQL via TEST_DATABASE_URL), schema built by
the Alembic migrations, every table emptied between tests."""
import os
from types import SimpleNamespace

import pytest
from sqlalchemy import text

from server import create_app
from server.extensions import db, limiter
from tests import factories as f

PG_URL = os.environ.get("TEST_DATABASE_URL")


def _db_url(tmp_path_factory) -> str:
    if PG_URL:
        url = PG_URL
        for prefix in ("postgres://", "postgresql://"):
            if url.startswith(prefix):
                url = "postgresql+psycopg://" + url[len(prefix):]
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


def _test_vapid_pem() -> str:
    from py_vapid import Vapid
    v = Vapid()
    v.generate_keys()
    return v.private_pem().decode()


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    url = _db_url(tmp_path_factory)
    app = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": url,
        "JWT_SECRET_KEY": "test-secret-not-for-production-0123456789",
        "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 1024, "ARGON2_PARALLELISM": 1,
        "RATELIMIT_STORAGE_URI": "memory://",
        "VAPID_PRIVATE_KEY": _test_vapid_pem(),
    })
    with app.app_context():
        if url.startswith("postgresql"):
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        from flask_migrate import upgrade
        upgrade()

    @app.teardown_request
    def _fresh_session(_exc):
        # As in production, every request gets its own session: nothing a request
        # loaded or set survives into the next one.
        db.session.remove()

    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean(app):
    """Each test runs in an app context on empty tables and a fresh rate limiter."""
    with app.app_context():
        limiter.reset()
        yield
        db.session.remove()
        tables = [t.name for t in reversed(db.metadata.sorted_tables)]
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
            else:
                for t in tables:
                    conn.execute(text(f"DELETE FROM {t}"))
            _restore_policies(conn)


def _restore_policies(conn) -> None:
    """Visit policies are reference data the migration installs; put them back after emptying."""
    from server.common.types import utcnow
    from server.visits.models import INITIAL_POLICIES, VisitPolicy
    conn.execute(VisitPolicy.__table__.insert(), [
        {"tag": tag, "interval_days": days, "updated_at": utcnow()} for tag, days in INITIAL_POLICIES.items()])


@pytest.fixture
def client(app):
    return app.test_client()


def _detach(w) -> None:
    """Replace the world's ORM objects by plain snapshots of their columns.

    Requests use their own sessions, so tests refer to rows by value, never by
    live ORM objects shared with the app."""
    for name, obj in list(vars(w).items()):
        mapper = getattr(type(obj), "__mapper__", None)
        if mapper is not None:
            setattr(w, name, SimpleNamespace(**{c.key: getattr(obj, c.key) for c in mapper.column_attrs}))
    db.session.remove()


def login(client, username, password=f.PASSWORD) -> dict:
    r = client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert r.status_code == 200, r.json
    return {"Authorization": f"Bearer {r.json['access_token']}"}


@pytest.fixture
def world(client):
    """A small tree with every role, two grids apart, and a login helper.

    street ─ community ─┬ grid g1 ─┬ microgrid m1a: member1 (h1, h2, h3), unlinked h_free; leader1
                        │          └ microgrid m1b: member2 (h4)
                        └ grid g2 ── microgrid m2a: member3 (h5)
    leader1 leads member1 and member2. resident1 lives in h1, resident2 in h5.
    Visits: v1 (member1 → h1, 2 days ago), v4 (member2 → h4), v5 (member3 → h5).
    Requests: r1 (resident1, h1, submitted), r4 (member2's errand for h4, in progress),
    r5 (resident2, h5, assigned to member3, escalated to the department).
    Reminders (ids): rem_member1 in member1's inbox, rem_resident1 in resident1's.
    """
    w = SimpleNamespace()
    w.street = f.unit("城南街道", "street")
    w.community = f.unit("幸福社区", "community", w.street)
    w.g1 = f.unit("第一网格", "grid", w.community)
    w.g2 = f.unit("第二网格", "grid", w.community)
    w.m1a = f.unit("一网格一微格", "microgrid", w.g1)
    w.m1b = f.unit("一网格二微格", "microgrid", w.g1)
    w.m2a = f.unit("二网格一微格", "microgrid", w.g2)

    w.admin = f.UserFactory(username="admin", roles=["admin"], org_unit_id=w.community.id)
    w.sec1 = f.UserFactory(username="sec1", roles=["secretary"], org_unit_id=w.g1.id)
    w.sec2 = f.UserFactory(username="sec2", roles=["secretary"], org_unit_id=w.g2.id)
    w.leader1 = f.member(w.m1a, leader=True, username="leader1")
    w.member1 = f.member(w.m1a, username="member1")
    w.member2 = f.member(w.m1b, username="member2")
    w.member3 = f.member(w.m2a, username="member3")
    f.lead(w.leader1, w.member1)
    f.lead(w.leader1, w.member2)

    w.h1 = f.HouseholdFactory(org_unit_id=w.m1a.id, tags=["elderly_alone"])
    w.h2 = f.HouseholdFactory(org_unit_id=w.m1a.id)
    w.h3 = f.HouseholdFactory(org_unit_id=w.m1a.id, tags=["hardship", "veteran"])
    w.h_free = f.HouseholdFactory(org_unit_id=w.m1a.id)
    w.h4 = f.HouseholdFactory(org_unit_id=w.m1b.id)
    w.h5 = f.HouseholdFactory(org_unit_id=w.m2a.id)
    for m, hs in ((w.member1, (w.h1, w.h2, w.h3)), (w.member2, (w.h4,)), (w.member3, (w.h5,))):
        for h in hs:
            f.link(m, h)
    w.resident1 = f.UserFactory(username="resident1", roles=["resident"], household_id=w.h1.id)
    w.resident2 = f.UserFactory(username="resident2", roles=["resident"], household_id=w.h5.id)
    from server.org.models import Department
    w.dept = Department(name="民政办", org_unit_id=w.street.id)
    db.session.add(w.dept)
    db.session.flush()
    w.department = f.UserFactory(username="dept1", roles=["department"], department_id=w.dept.id,
                                 org_unit_id=w.street.id)
    w.v1 = f.visit(w.member1, w.h1, days_ago=2)
    w.v4 = f.visit(w.member2, w.h4, days_ago=1)
    w.v5 = f.visit(w.member3, w.h5, days_ago=3)
    from server.visits.cadence import refresh_due
    refresh_due(last_visit=True)
    w.r1 = f.request(w.h1, created_by=w.resident1)
    w.r4 = f.request(w.h4, created_by=w.member2.user, status="in_progress", source="member", assignee=w.member2)
    w.r5 = f.request(w.h5, created_by=w.resident2, status="escalated", assignee=w.member3, department=w.dept)
    from server.push.services import remind
    w.rem_member1 = remind(user_id=w.member1.user_id, rule="visit_due", subject_key="member:1", period_key="d1",
                           title="走访提醒", body="您有 1 户需要走访", url="/#/households")
    w.rem_resident1 = remind(user_id=w.resident1.id, rule="request_answered", subject_key="request:1",
                             period_key="resolved", title="诉求已办结", body="请评价", url="/#/requests/1")
    from server.stats import rollup
    rollup.rebuild()  # as the seeds do after writing rows directly
    db.session.commit()
    _detach(w)

    cache: dict = {}

    def headers(who: str, **extra) -> dict:
        if who not in cache:
            cache[who] = login(client, who)
        return {**cache[who], **extra}

    w.headers = headers
    return w
