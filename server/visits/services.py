"""Logging and correcting visits, and the periods the views count over."""
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from server.common.errors import ApiError, field_error
from server.common.types import utcnow
from server.extensions import db
from server.households.models import Household
from server.stats import rollup
from server.visits.cadence import refresh_due
from server.visits.models import Visit, VisitConcern, VisitRevision
from server.visits.schemas import LOCAL_TZ

FUTURE_SKEW = timedelta(minutes=5)
MAX_AGE = timedelta(days=30)
CORRECTION_WINDOW = timedelta(hours=24)


def check_visit_time(visited_at: datetime, now: datetime) -> None:
    if visited_at > now + FUTURE_SKEW:
        raise field_error("visited_at", "The visit time cannot be in the future.")
    if visited_at < now - MAX_AGE:
        raise field_error("visited_at", "Visits older than 30 days cannot be logged.")


def _apply(visit: Visit, *, concerns=None, location=..., **fields) -> None:
    for key, value in fields.items():
        setattr(visit, key, value)
    if concerns is not None:
        visit.concern_rows = [VisitConcern(category=c["category"], note=c.get("note")) for c in concerns]
    if location is not ...:
        visit.lat = location["lat"] if location else None
        visit.lon = location["lon"] if location else None
        visit.accuracy_m = location.get("accuracy") if location else None


def log_visit(*, user, household: Household, visited_at: datetime | None, kind: str, notes: str | None,
              concerns: list[dict], location: dict | None, open_request: dict | None = None) -> Visit:
    """Record a visit and move the household's due date, in the caller's transaction.

    With ``open_request`` the concern becomes a request for the household in the same
    transaction: an errand (代办) of the visiting member, or a walk-in request on the
    dispatch board when a secretary or admin logs the visit.
    """
    now = utcnow()
    visited_at = (visited_at or now).astimezone(timezone.utc)
    check_visit_time(visited_at, now)
    visit = Visit(household_id=household.id, member_id=user.member_id, author_id=user.id,
                  visited_at=visited_at, kind=kind, notes=notes, created_at=now, updated_at=now)
    _apply(visit, concerns=concerns, location=location)
    db.session.add(visit)
    db.session.flush()
    refresh_due(where=Household.id == household.id, last_visit=True)
    rollup.touch(visited_at)
    if open_request:
        from server.requests.services import create_request

        source = "member" if user.member_id is not None else "walk_in"
        req, _ = create_request(user=user, household_id=household.id, source=source, external_ref=None,
                                visit_id=visit.id, **open_request)
        visit.request_id = req.id
    return visit


def snapshot(visit: Visit) -> dict:
    return {"visited_at": visit.visited_at.isoformat(), "kind": visit.kind, "notes": visit.notes,
            "concerns": visit.concerns, "location": visit.location}


def correct_visit(*, user, visit: Visit, changes: dict) -> Visit:
    """Its author may correct a visit within 24 hours; the previous text is kept as a revision."""
    if visit.author_id != user.id:
        raise ApiError(403, "Only the author can correct a visit.")
    now = utcnow()
    if now - visit.created_at > CORRECTION_WINDOW:
        raise ApiError(409, "A visit can only be corrected within 24 hours.")
    if "visited_at" in changes:
        changes["visited_at"] = changes["visited_at"].astimezone(timezone.utc)
        check_visit_time(changes["visited_at"], now)
    db.session.add(VisitRevision(visit_id=visit.id, editor_id=user.id, before=snapshot(visit), edited_at=now))
    rollup.touch(visit.visited_at, changes.get("visited_at"))  # its day (and kind) may change
    _apply(visit, **changes)
    visit.updated_at = now
    db.session.flush()
    if "visited_at" in changes:
        refresh_due(where=Household.id == visit.household_id, last_visit=True)
    return visit


def month_start(now: datetime) -> datetime:
    local = now.astimezone(LOCAL_TZ)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0).astimezone(timezone.utc)


def period(args: dict, now: datetime | None = None) -> tuple[datetime, datetime]:
    """``from``/``to`` of a query (default: this calendar month, China time); 422 if reversed."""
    now = now or utcnow()
    start = args.get("from_") or month_start(now)
    end = args.get("to") or now
    if start > end:
        raise field_error("from", "The start of the period is after its end.")
    return start.astimezone(timezone.utc), end.astimezone(timezone.utc)


def diary(visits: list[Visit]) -> list[dict]:
    """Group visits by local day, newest day first."""
    days: dict = {}
    for v in visits:
        day = v.visited_at.astimezone(LOCAL_TZ).date()
        days.setdefault(day, []).append(v)
    return [{"date": d, "count": len(vs), "visits": vs} for d, vs in sorted(days.items(), reverse=True)]


def load_revisions(visit: Visit) -> list[VisitRevision]:
    return db.session.scalars(select(VisitRevision).where(VisitRevision.visit_id == visit.id)
                              .order_by(VisitRevision.id)).all()
