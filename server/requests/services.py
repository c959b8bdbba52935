"""Filing requests, moving them through the state machine, and closing stale ones."""
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from server.common.errors import ApiError, field_error
from server.common.scoping import ancestor_ids, household_scope, manages_unit, subtree_ids
from server.common.types import utcnow
from server.extensions import db
from server.households.models import Household
from server.members.models import Member
from server.org.models import Department, OrgClosure, OrgUnit
from server.push.rules import on_request_transition
from server.requests.flows import TRANSITIONS, Actor, Status
from server.requests.models import DEFAULT_DAYS, Request, RequestEvent, ServiceItem
from server.stats import rollup

STALE_AFTER = timedelta(days=7)
CONFLICT = "This request was changed by someone else. Reload and try again."


def actors_for(user, req: Request) -> set[Actor]:
    kinds = set()
    if user.has_role("admin", "secretary") and manages_unit(user, req.org_unit_id):
        kinds.add(Actor.MANAGER)
    if req.assignee_id is not None and user.member_id == req.assignee_id:
        kinds.add(Actor.ASSIGNEE)
    if user.has_role("department") and user.department_id is not None and user.department_id == req.department_id:
        kinds.add(Actor.DEPARTMENT)
    if user.has_role("resident") and user.household_id == req.household_id:
        kinds.add(Actor.RESIDENT)
    return kinds


def _event(req: Request, *, actor_id, action: str, from_status, note=None, at=None) -> None:
    db.session.add(RequestEvent(request_id=req.id, actor_id=actor_id, action=action, from_status=from_status,
                                to_status=req.status, note=note, at=at or utcnow()))


def _flush() -> None:
    try:
        db.session.flush()
    except StaleDataError:
        db.session.rollback()
        raise ApiError(409, CONFLICT) from None


def _due(created, category: str, item: ServiceItem | None):
    days = item.time_limit_days if item is not None else DEFAULT_DAYS[category]
    return created + timedelta(days=days)


def find_by_external_ref(ref: str) -> Request | None:
    return db.session.scalar(select(Request).where(Request.external_ref == ref))


def create_request(*, user, category: str, title: str, description: str | None, household_id: int | None,
                   service_item_id: int | None, source: str | None, external_ref: str | None,
                   visit_id: int | None = None) -> tuple[Request, bool]:
    """File a request: a resident for their household, a member as an errand (代办) for one of
    theirs (starts in progress, assigned to them), a secretary or admin for any household below them.

    Returns the request and whether it is new: a hotline ticket already taken in returns the first.
    """
    if external_ref:
        existing = find_by_external_ref(external_ref)
        if existing is not None:
            if not manages_unit(user, existing.org_unit_id):
                raise ApiError(409, "This hotline ticket is already registered.")
            return existing, False
    item = None
    if service_item_id is not None:
        item = db.session.scalar(select(ServiceItem).where(ServiceItem.id == service_item_id,
                                                           ServiceItem.is_active.is_(True)))
        if item is None:
            raise field_error("service_item_id", "Unknown service item.")
    source = source or _default_source(user)
    if source == "app":
        if not user.has_role("resident") or user.household_id is None:
            raise field_error("source", "This source is not open to you.")
        if household_id not in (None, user.household_id):
            raise ApiError(404)
        household_id = user.household_id
    elif source == "member":
        if user.member_id is None:
            raise field_error("source", "This source is not open to you.")
    elif not user.has_role("admin", "secretary"):
        raise field_error("source", "This source is not open to you.")
    if source == "hotline" and not external_ref:
        raise field_error("external_ref", "A hotline request needs its ticket number.")
    if source != "hotline" and external_ref:
        raise field_error("external_ref", "Only hotline requests carry a ticket number.")
    if household_id is None:
        raise field_error("household_id", "Missing data for required field.")

    household = db.session.scalar(select(Household).where(Household.id == household_id,
                                                          Household.archived_at.is_(None)))
    if household is None:
        raise ApiError(404)
    if source == "member":
        mine = db.session.scalar(select(Household.id).where(Household.id == household.id, household_scope(user)))
        if mine is None:
            raise ApiError(404)
    elif source in ("hotline", "walk_in") and not manages_unit(user, household.org_unit_id):
        raise ApiError(404)

    now = utcnow()
    errand = source == "member"
    req = Request(household_id=household.id, org_unit_id=household.org_unit_id, category=category,
                  title=title.strip(), description=description, service_item_id=item.id if item else None,
                  source=source, external_ref=external_ref, visit_id=visit_id, created_by_id=user.id, created_at=now,
                  updated_at=now, due_at=_due(now, category, item),
                  status=Status.IN_PROGRESS if errand else Status.SUBMITTED,
                  assignee_id=user.member_id if errand else None, first_response_at=now if errand else None)
    db.session.add(req)
    try:
        db.session.flush()
    except IntegrityError:  # the same hotline ticket, filed at this very moment by someone else
        db.session.rollback()
        existing = find_by_external_ref(external_ref) if external_ref else None
        if existing is None:
            raise
        return existing, False
    _event(req, actor_id=user.id, action="create", from_status=None, at=now)
    rollup.touch(now)
    db.session.flush()
    return req, True


def _default_source(user) -> str:
    if user.has_role("resident") and not user.has_role("member", "leader", "admin", "secretary"):
        return "app"
    if user.member_id is not None and not user.has_role("admin", "secretary"):
        return "member"
    return "walk_in"


def _branch_of(unit_id: int) -> int:
    """The grid (网格党支部) holding a micro-grid: the branch a request belongs to."""
    grid = db.session.scalar(select(OrgClosure.ancestor_id).join(OrgUnit, OrgUnit.id == OrgClosure.ancestor_id)
                             .where(OrgClosure.descendant_id == unit_id, OrgUnit.level == "grid"))
    return grid if grid is not None else unit_id


def _check_assignee(req: Request, assignee_id) -> Member:
    if assignee_id is None:
        raise field_error("assignee_id", "Missing data for required field.")
    member = db.session.scalar(select(Member).where(
        Member.id == assignee_id, Member.is_active.is_(True),
        Member.org_unit_id.in_(subtree_ids(_branch_of(req.org_unit_id)))))
    if member is None:
        raise field_error("assignee_id", "Requests are dispatched to an active member of the same branch.")
    return member


def _check_department(req: Request, department_id) -> Department:
    if department_id is None:
        raise field_error("department_id", "Missing data for required field.")
    dept = db.session.scalar(select(Department).where(
        Department.id == department_id, Department.org_unit_id.in_(ancestor_ids(req.org_unit_id))))
    if dept is None:
        raise field_error("department_id", "Unknown department.")
    return dept


def transition(*, req: Request, action: str, user=None, note: str | None = None, assignee_id=None,
               department_id=None, score=None, comment=None) -> Request:
    """Move ``req`` by ``action``: check state, actor and input; write the timeline row; bump the version.

    Illegal in this state: 409; not this caller's move: 403; bad input: 422. Nothing changes on refusal.
    """
    t = TRANSITIONS[action]
    if req.status not in t.sources:
        raise ApiError(409, "This request cannot be moved that way now.",
                       errors={"status": [req.status]})
    actors = {Actor.SYSTEM} if user is None else actors_for(user, req)
    if not actors & t.actors:
        raise ApiError(403)
    note = note.strip() if note else None
    if t.note_required and not note:
        raise field_error("note", "Please say what was done or why.")
    now = utcnow()
    before = req.status
    if action == "dispatch":
        req.assignee_id = _check_assignee(req, assignee_id).id
    elif action == "decline":
        req.assignee_id = None
    elif action == "escalate":
        req.department_id = _check_department(req, department_id).id
    elif action == "hand_back":
        req.department_id = None
    elif action == "resolve":
        req.resolved_at = now
    elif action == "rate":
        req.rating, req.rating_comment, req.rated_at, req.closed_at = score, comment, now, now
    elif action == "close_stale":
        req.closed_at = now
    if req.first_response_at is None and action in ("dispatch", "escalate", "resolve"):
        req.first_response_at = now
    req.status = t.target
    req.updated_at = now
    _flush()
    _event(req, actor_id=user.id if user is not None else None, action=action, from_status=before, note=note,
           at=now)
    on_request_transition(req, action)  # its reminders land in the same transaction
    rollup.touch(req.created_at, now)  # the day it was filed (its status) and today (resolved, rated)
    db.session.flush()
    return req


def close_stale(*, now=None) -> int:
    """Close requests resolved and unrated for 7 days (counted as unrated). Safe to run again."""
    now = now or utcnow()
    ids = db.session.scalars(select(Request.id).where(Request.status == Status.RESOLVED,
                                                      Request.resolved_at < now - STALE_AFTER)).all()
    closed = 0
    for rid in ids:
        req = db.session.get(Request, rid)
        try:
            transition(req=req, action="close_stale", note="7 天未评价，自动办结 / closed unrated after 7 days")
            db.session.commit()
            closed += 1
        except ApiError:  # someone rated it meanwhile
            db.session.rollback()
    return closed
