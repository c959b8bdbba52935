"""The county-scale seed (what make bench loads), at a small size: counts, indexes, due dates, rollups."""
from sqlalchemy import func, inspect, select

from server.common.types import utcnow
from server.extensions import db
from server.households.models import Household
from server.org.models import OrgUnit
from server.requests.models import Request
from server.stats import rollup, services
from server.visits.models import Visit
from server.visits.services import month_start


def test_county_seed_small(app, monkeypatch):
    from seed.county import seed_county

    summary = seed_county(households=1200, requests=300)
    db.session.expire_all()
    assert summary["households"] == 1200 == db.session.scalar(select(func.count()).select_from(Household))
    assert summary["visits"] == db.session.scalar(select(func.count()).select_from(Visit)) > 6000
    assert db.session.scalar(select(func.count()).select_from(Request)) == 300
    # the visit indexes dropped for the load on SQLite are back, as the migrations made them
    names = {ix["name"] for ix in inspect(db.engine).get_indexes("visits")}
    assert {"ix_visits_time", "ix_visits_household_time", "ix_visits_member_time", "ix_visits_author_time"} <= names
    # due dates computed for every linked household
    assert db.session.scalar(select(func.count()).select_from(Household).where(Household.next_due_at.is_(None))) \
        < 1200 * 0.05
    # the dashboards' rollups are built: the county through them equals the county counted from the rows
    county = db.session.scalar(select(OrgUnit).where(OrgUnit.parent_id.is_(None)))
    now = utcnow()
    fast = services.overview(unit=county, start=month_start(now), end=now)
    monkeypatch.setattr(rollup, "covers", lambda *a: False)
    assert fast == services.overview(unit=county, start=month_start(now), end=now)
    assert fast["visits"] > 0
