"""Dashboards checked against counts computed independently here, from the rows themselves."""
from datetime import timedelta

from sqlalchemy import select

from server.common.types import utcnow
from server.extensions import db
from server.households.models import Household
from server.links.models import Link
from server.requests.models import Request
from server.visits.models import Visit
from tests import factories as f


def _walk_r1_to_rated(client, world):
    h = world.headers
    client.post(f"/api/v1/requests/{world.r1.id}/dispatch", json={"assignee_id": world.member1.id}, headers=h("sec1"))
    client.post(f"/api/v1/requests/{world.r1.id}/accept", json={}, headers=h("member1"))
    client.post(f"/api/v1/requests/{world.r1.id}/resolve", json={"note": "已办"}, headers=h("member1"))
    r = client.post(f"/api/v1/requests/{world.r1.id}/rate", json={"score": 5}, headers=h("resident1"))
    assert r.status_code == 200
    r = client.post(f"/api/v1/requests/{world.r4.id}/resolve", json={"note": "已办"}, headers=h("member2"))
    assert r.status_code == 200


def test_overview_matches_the_rows(client, world):
    _walk_r1_to_rated(client, world)
    f.visit(world.member1, world.h2, days_ago=40)  # outside the period, makes nothing overdue by itself
    db.session.commit()
    start = utcnow() - timedelta(days=7)
    r = client.get("/api/v1/stats/overview", query_string={"org_unit_id": world.community.id,
                                                          "from": start.isoformat()}, headers=world.headers("admin"))
    assert r.status_code == 200, r.json
    o = r.json
    households = db.session.scalars(select(Household)).all()
    linked = {ln.household_id for ln in db.session.scalars(select(Link).where(Link.ended_at.is_(None)))}
    visits = [v for v in db.session.scalars(select(Visit)) if v.visited_at >= start]
    requests = db.session.scalars(select(Request)).all()
    now = utcnow()
    assert o["households"] == len(households) == 6
    assert o["linked_share"] == round(len(linked) / len(households), 4)
    assert o["members"] == 4 and o["members_over_capacity"] == 0 and o["leaders_over_capacity"] == 0
    assert o["visits"] == len(visits) == 3
    assert o["households_overdue"] == sum(1 for h in households if h.next_due_at and h.next_due_at < now)
    expected_status: dict = {}
    for q in requests:
        expected_status[q.status] = expected_status.get(q.status, 0) + 1
    assert o["requests_by_status"] == expected_status == {"closed": 1, "resolved": 1, "escalated": 1}
    assert o["requests_by_category"] == {"service": 3}
    resolved = [q for q in requests if q.resolved_at]
    assert o["resolved_on_time_share"] == round(sum(q.resolved_at <= q.due_at for q in resolved) / len(resolved), 4)
    replied = sum(1 for q in requests if q.first_response_at and q.first_response_at <= q.created_at + timedelta(days=1))
    assert o["reply_share"] == round(replied / len(requests), 4)
    assert o["satisfaction_share"] == 1.0
    hours = sorted((q.resolved_at - q.created_at).total_seconds() / 3600 for q in resolved)
    assert abs(o["median_hours_to_resolve"] - (hours[0] + hours[1]) / 2) < 0.1
    assert sum(w["visits"] for w in o["visits_by_week"]) == 3
    kids = {c["org_unit_id"]: c for c in o["children"]}
    assert set(kids) == {world.g1.id, world.g2.id}
    assert kids[world.g1.id]["households"] + kids[world.g2.id]["households"] == o["households"]  # rolled up
    assert kids[world.g1.id]["visits"] == 2 and kids[world.g2.id]["visits"] == 1


def test_overview_scope_and_period(client, world):
    h = world.headers("sec1")
    r = client.get("/api/v1/stats/overview", headers=h)
    assert r.status_code == 200 and r.json["org_unit_id"] == world.g1.id and r.json["households"] == 5
    assert client.get(f"/api/v1/stats/overview?org_unit_id={world.g2.id}", headers=h).status_code == 404
    assert client.get(f"/api/v1/stats/overview?org_unit_id={world.community.id}", headers=h).status_code == 404
    assert client.get("/api/v1/stats/overview", headers=world.headers("member1")).status_code == 403
    r = client.get("/api/v1/stats/overview", query_string={"from": utcnow().isoformat(),
                                                          "to": (utcnow() - timedelta(days=1)).isoformat()}, headers=h)
    assert r.status_code == 422 and "from" in r.json["errors"]


def test_vanguard_index_is_explained_and_ranked(client, world):
    _walk_r1_to_rated(client, world)
    f.visit(world.member1, world.h2, days_ago=1, kind="night")
    db.session.commit()
    r = client.get("/api/v1/stats/members", query_string={"from": (utcnow() - timedelta(days=7)).isoformat()},
                   headers=world.headers("sec1"))
    assert r.status_code == 200
    rows = {x["member_id"]: x for x in r.json["items"]}
    assert set(rows) == {world.leader1.id, world.member1.id, world.member2.id}  # grid 1 only
    m1 = rows[world.member1.id]
    assert (m1["visits"], m1["night_visits"], m1["errands_resolved"], m1["average_rating"]) == (2, 1, 1, 5.0)
    w = r.json["weights"]
    assert m1["parts"] == {"visits": 2 * w["visits"], "night_visits": 1 * w["night_visits"],
                           "errands": 1 * w["errands"], "on_time": 1.0 * w["on_time"], "rating": 5.0 * w["rating"],
                           "overdue": 0.0}
    assert m1["vanguard_index"] == round(sum(m1["parts"].values()), 2)
    ranked = [x["member_id"] for x in r.json["items"]]
    assert ranked[0] == world.member1.id and [x["rank"] for x in r.json["items"]] == [1, 2, 3]
    scores = [x["vanguard_index"] for x in r.json["items"]]
    assert scores == sorted(scores, reverse=True)


def test_weights_are_set_by_the_top_admin(client, world):
    assert client.put("/api/v1/stats/vanguard-weights", json={"weights": {"visits": 3}},
                      headers=world.headers("admin")).status_code == 403  # a community admin
    f.UserFactory(username="root", roles=["admin"], org_unit_id=world.street.id)
    db.session.commit()
    h = world.headers("root")
    assert client.put("/api/v1/stats/vanguard-weights", json={"weights": {"charm": 3}}, headers=h).status_code == 422
    r = client.put("/api/v1/stats/vanguard-weights", json={"weights": {"visits": 3}}, headers=h)
    assert r.status_code == 200 and r.json["weights"]["visits"] == 3
    rows = client.get("/api/v1/stats/members", headers=world.headers("sec1")).json["items"]
    m1 = next(x for x in rows if x["member_id"] == world.member1.id)
    assert m1["parts"]["visits"] == 3 * m1["visits"]
