"""The daily rollups of big units (county, street, community) agree with counting the rows, after
every kind of write that changes a day's figures."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from server.common.types import utcnow
from server.extensions import db
from server.org.models import OrgUnit
from server.stats import rollup, services
from server.stats.models import StatsDirtyDay, StatsVisitDay
from server.visits.services import month_start


def both_ways(unit_id, start, end, monkeypatch):
    """The overview through the rollups, then counted from the rows (rollups switched off)."""
    unit = db.session.get(OrgUnit, unit_id)
    assert rollup.covers(unit, start, end, utcnow())
    fast = services.overview(unit=unit, start=start, end=end)
    db.session.commit()
    with monkeypatch.context() as m:
        m.setattr(rollup, "covers", lambda *a: False)
        slow = services.overview(unit=unit, start=start, end=end)
    return fast, slow


def periods():
    now = utcnow()
    first = month_start(now)
    return [(first, now),  # the default: this month so far
            (month_start(first - timedelta(days=1)), first - timedelta(microseconds=1)),  # last month, whole days
            (first - timedelta(days=40), now + timedelta(days=1))]


def check(world, monkeypatch):
    for unit in (world.street.id, world.community.id):
        for start, end in periods():
            fast, slow = both_ways(unit, start, end, monkeypatch)
            assert fast == slow, (unit, start, end)
    return fast


def test_rollups_follow_every_change(client, world, monkeypatch):
    h = world.headers
    o = check(world, monkeypatch)
    assert o["visits"] == 3 and o["requests_by_status"]
    # a visit logged now, one backdated into last month's last days, and a correction moving a day
    for body in ({"household_id": world.h2.id, "kind": "night"},
                 {"household_id": world.h3.id, "visited_at": (utcnow() - timedelta(days=25)).isoformat()}):
        r = client.post("/api/v1/visits", json=body, headers=h("member1"))
        assert r.status_code == 201, r.json
    vid = r.json["id"]
    assert db.session.scalar(select(func.count()).select_from(StatsDirtyDay)) == 2
    check(world, monkeypatch)
    assert db.session.scalar(select(func.count()).select_from(StatsDirtyDay)) == 0  # read, recomputed, cleared
    r = client.patch(f"/api/v1/visits/{vid}", json={"visited_at": (utcnow() - timedelta(days=3)).isoformat(),
                                                     "kind": "night"}, headers=h("member1"))
    assert r.status_code == 200, r.json
    o = check(world, monkeypatch)
    assert o["visits"] >= 5
    # the request loop: filed, dispatched, accepted, resolved, rated; an errand; the board
    r = client.post("/api/v1/requests", json={"category": "wish", "title": "想要一个书架", "household_id": world.h1.id},
                    headers=h("resident1"))
    rid = r.json["id"]
    check(world, monkeypatch)
    for who, action, body in (("sec1", "dispatch", {"assignee_id": world.member1.id}), ("member1", "accept", {}),
                              ("member1", "resolve", {"note": "已送达"}), ("resident1", "rate", {"score": 4})):
        assert client.post(f"/api/v1/requests/{rid}/{action}", json=body, headers=h(who)).status_code == 200
        o = check(world, monkeypatch)
    assert o["requests_by_category"]["wish"] == 1 and o["satisfaction_share"] == 1.0
    # a household moved to another grid takes its visits along
    r = client.patch(f"/api/v1/households/{world.h2.id}", json={"org_unit_id": world.m2a.id}, headers=h("admin"))
    assert r.status_code == 200, r.json
    o = check(world, monkeypatch)
    kids = {c["org_unit_id"]: c["visits"] for c in o["children"]}
    assert kids[world.g2.id] == 2  # v5 and the night visit to h2


def test_a_street_sums_its_communities(client, world, monkeypatch):
    """Children that are big units themselves come from their own rollup rows."""
    other = OrgUnit(name="和平社区", level="community", parent_id=world.street.id, depth=world.community.depth)
    db.session.add(other)
    db.session.flush()
    from server.org.models import OrgClosure
    db.session.add_all([OrgClosure(ancestor_id=other.id, descendant_id=other.id, depth=0),
                        OrgClosure(ancestor_id=world.street.id, descendant_id=other.id, depth=1)])
    db.session.commit()
    now = utcnow()
    fast, slow = both_ways(world.street.id, month_start(now), now, monkeypatch)
    assert fast == slow
    kids = {c["name"]: c for c in fast["children"]}
    assert kids["幸福社区"]["visits"] == fast["visits"] and kids["和平社区"]["visits"] == 0
    assert db.session.scalar(select(func.count()).select_from(StatsVisitDay).where(
        StatsVisitDay.org_unit_id == world.g1.id)) == 0  # grids are counted live, never rolled up


@pytest.mark.parametrize("aligned", [True, False])
def test_only_whole_days_use_the_rollups(world, aligned):
    unit = db.session.get(OrgUnit, world.community.id)
    now = utcnow()
    start = month_start(now) if aligned else month_start(now) + timedelta(hours=1)
    assert rollup.covers(unit, start, now, now) is aligned
    assert not rollup.covers(db.session.get(OrgUnit, world.g1.id), month_start(now), now, now)


def test_cli_rebuild_and_refresh(app, world):
    db.session.execute(StatsVisitDay.__table__.delete())
    db.session.commit()
    runner = app.test_cli_runner()
    assert runner.invoke(args=["stats", "rebuild"]).exit_code == 0
    assert db.session.scalar(select(func.sum(StatsVisitDay.visits)).where(
        StatsVisitDay.org_unit_id == world.community.id)) == 3
    rollup.touch(utcnow())
    db.session.commit()
    result = runner.invoke(args=["stats", "refresh"])
    assert result.exit_code == 0 and "1 days recomputed" in result.output
