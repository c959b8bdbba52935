from sqlalchemy import func, select, text

from seed.demo import DEMO_LOGINS, DEMO_PASSWORD, seed_demo
from server.auth.models import User
from server.extensions import db
from server.households.models import Household
from server.links.models import LeaderLink, Link
from server.members.models import Member
from server.org.models import OrgUnit


def _fingerprint():
    return (
        db.session.execute(select(Household.number, Household.head_name, Household.address, Household.card_code)
                           .order_by(Household.id)).all(),
        db.session.execute(select(User.username, User.name).order_by(User.id)).all(),
        db.session.execute(select(Link.member_id, Link.household_id).order_by(Link.id)).all(),
    )


def _wipe():
    db.session.remove()
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as conn:
        for t in tables:
            conn.execute(text(f"DELETE FROM {t}"))


def test_demo_seed_shape_and_logins(client):
    seed_demo(progress=False)
    count = lambda m, *w: db.session.scalar(select(func.count()).select_from(m).where(*w))  # noqa: E731
    assert count(OrgUnit, OrgUnit.level == "grid") == 4
    assert count(OrgUnit, OrgUnit.level == "microgrid") == 16
    assert 700 <= count(Household) <= 900 and 70 <= count(Member) <= 90
    assert count(LeaderLink, LeaderLink.ended_at.is_(None)) > 0

    for username, role, _ in DEMO_LOGINS:
        r = client.post("/api/v1/auth/login", json={"username": username, "password": DEMO_PASSWORD})
        assert r.status_code == 200, username
        assert role in r.json["user"]["roles"]
        assert r.json["user"]["must_change_password"] is False

    token = client.post("/api/v1/auth/login", json={"username": "demo_member", "password": DEMO_PASSWORD}).json
    mine = client.get("/api/v1/me/households", headers={"Authorization": f"Bearer {token['access_token']}"}).json
    assert len(mine) == 10
    assert sum("elderly_alone" in h["tags"] for h in mine) == 1
    token = client.post("/api/v1/auth/login", json={"username": "demo_resident", "password": DEMO_PASSWORD}).json
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token['access_token']}"}).json
    assert me["household_id"] in {h["id"] for h in mine}
    assert me["linked_member"]["name"] == "王小红"
    token = client.post("/api/v1/auth/login", json={"username": "demo_secretary", "password": DEMO_PASSWORD}).json
    auth = {"Authorization": f"Bearer {token['access_token']}"}
    assert client.get("/api/v1/households?unlinked=true", headers=auth).json["total"] > 0
    assert client.get("/api/v1/members?over_capacity=true", headers=auth).json["total"] == 1


def test_demo_seed_is_deterministic_and_idempotent(client):
    seed_demo(progress=False)
    first = _fingerprint()
    seed_demo(progress=False)  # a second run changes nothing
    assert _fingerprint() == first
    _wipe()
    seed_demo(progress=False)
    second = _fingerprint()
    assert [r[:3] for r in first[0]] == [r[:3] for r in second[0]]
    assert [r[3] for r in first[0]] == [r[3] for r in second[0]]
    assert first[1] == second[1]
