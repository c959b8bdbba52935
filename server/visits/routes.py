"""/visits, /me/diary, /visit-policies and the visit catalogue."""
from flask_jwt_extended import current_user
from flask_smorest import Blueprint
from sqlalchemy import or_, select
from sqlalchemy.orm import contains_eager

from server.common.errors import ApiError, field_error, not_found
from server.common.i18n import current_locale
from server.common.idempotency import idempotent
from server.common.pagination import PageArgs, page_of, paginate
from server.common.scoping import get_household_or_404, get_org_unit_or_404, household_scope, subtree_ids
from server.common.security import auth_required
from server.common.types import utcnow
from server.extensions import db
from server.households.models import TAGS, Household, HouseholdTag
from server.visits import services
from server.visits.cadence import refresh_due
from server.visits.models import CONCERNS, DEFAULT_POLICY, KINDS, Visit, VisitPolicy
from server.visits.schemas import (PeriodArgs, PolicySchema, PolicyUpdateSchema, VisitCatalogueSchema,
                                   VisitCreateSchema, VisitDetailSchema, VisitListArgs, VisitSchema,
                                   VisitUpdateSchema, DiaryDaySchema)

blp = Blueprint("visits", __name__, url_prefix="/api/v1", description="Visits (走访)")

VISIT_ROLES = ("admin", "secretary", "leader", "member")
IDEMPOTENCY_DOC = {"parameters": [{"in": "header", "name": "Idempotency-Key", "required": False,
                                   "schema": {"type": "string", "maxLength": 64},
                                   "description": "a retry with the same key and body returns the first result"}]}


def _visible_visits():
    """Visits to households I may see, plus the visits I logged myself (my work diary)."""
    return (select(Visit).join(Visit.household).options(contains_eager(Visit.household))
            .where(or_(household_scope(current_user), Visit.author_id == current_user.id)))


def _get_visit_or_404(visit_id: int) -> Visit:
    visit = db.session.scalar(_visible_visits().where(Visit.id == visit_id))
    if visit is None:
        raise not_found()
    return visit


@blp.route("/visits", methods=["POST"])
@auth_required(*VISIT_ROLES)
@idempotent
@blp.arguments(VisitCreateSchema)
@blp.response(201, VisitSchema)
@blp.doc(**IDEMPOTENCY_DOC)
def create_visit(body):
    """Log a visit to a household linked to me (or below me in the tree)."""
    household = get_household_or_404(current_user, body.pop("household_id"))
    return services.log_visit(user=current_user, household=household, **body)


@blp.route("/visits", methods=["GET"])
@auth_required(*VISIT_ROLES)
@blp.arguments(VisitListArgs, location="query")
@blp.arguments(PageArgs, location="query", as_kwargs=True)
@blp.response(200, page_of(VisitSchema))
def list_visits(args, **page):
    """Visits I may see, newest first; filter by household, member, org unit, kind and period."""
    stmt = _visible_visits().order_by(Visit.visited_at.desc(), Visit.id.desc())
    if "household_id" in args:
        stmt = stmt.where(Visit.household_id == args["household_id"])
    if "member_id" in args:
        stmt = stmt.where(Visit.member_id == args["member_id"])
    if "org_unit_id" in args:
        get_org_unit_or_404(current_user, args["org_unit_id"])
        stmt = stmt.where(Household.org_unit_id.in_(subtree_ids(args["org_unit_id"])))
    if "kind" in args:
        stmt = stmt.where(Visit.kind == args["kind"])
    if "from_" in args and "to" in args and args["from_"] > args["to"]:
        raise field_error("from", "The start of the period is after its end.")
    if "from_" in args:
        stmt = stmt.where(Visit.visited_at >= args["from_"])
    if "to" in args:
        stmt = stmt.where(Visit.visited_at <= args["to"])
    return paginate(stmt, page)


@blp.route("/visits/<int:visit_id>", methods=["GET"])
@auth_required(*VISIT_ROLES)
@blp.response(200, VisitDetailSchema)
def get_visit(visit_id):
    """One visit with its correction history."""
    visit = _get_visit_or_404(visit_id)
    visit.revisions = services.load_revisions(visit)
    return visit


@blp.route("/visits/<int:visit_id>", methods=["PATCH"])
@auth_required(*VISIT_ROLES)
@blp.arguments(VisitUpdateSchema)
@blp.response(200, VisitDetailSchema)
def correct_visit(body, visit_id):
    """Correct my own visit within 24 hours (the previous version is kept)."""
    visit = services.correct_visit(user=current_user, visit=_get_visit_or_404(visit_id), changes=body)
    db.session.commit()
    visit.revisions = services.load_revisions(visit)
    return visit


@blp.route("/me/diary", methods=["GET"])
@auth_required(*VISIT_ROLES)
@blp.arguments(PeriodArgs, location="query")
@blp.response(200, DiaryDaySchema(many=True))
def my_diary(args):
    """My work diary (民情日志): my visits in a period (default this month), grouped by day."""
    start, end = services.period(args)
    visits = db.session.scalars(
        select(Visit).where(Visit.author_id == current_user.id, Visit.visited_at >= start,
                            Visit.visited_at <= end)
        .order_by(Visit.visited_at.desc(), Visit.id.desc()).limit(1000)).all()
    return services.diary(visits)


@blp.route("/visits/catalogue", methods=["GET"])
@auth_required()
@blp.response(200, VisitCatalogueSchema)
def catalogue():
    """Visit kinds and concern categories, named in the caller's language."""
    idx = 0 if current_locale() == "zh-CN" else 1
    return {"kinds": [{"code": k, "name": v[idx]} for k, v in KINDS.items()],
            "concerns": [{"code": k, "name": v[idx]} for k, v in CONCERNS.items()]}


@blp.route("/visit-policies", methods=["GET"])
@auth_required()
@blp.response(200, PolicySchema(many=True))
def list_policies():
    """How often households are visited: the default and per-tag intervals (strictest tag wins)."""
    return db.session.scalars(select(VisitPolicy).order_by(VisitPolicy.tag)).all()


def _check_policy_admin(tag: str) -> None:
    if tag != DEFAULT_POLICY and tag not in TAGS:
        raise not_found()
    unit = current_user.org_unit_id
    if unit is not None:
        from server.org.models import OrgUnit
        if db.session.scalar(select(OrgUnit.parent_id).where(OrgUnit.id == unit)) is not None:
            raise ApiError(403, "Only an admin of the whole tree can change visit policies.")


def _refresh_for(tag: str) -> None:
    if tag == DEFAULT_POLICY:
        refresh_due()
    else:
        refresh_due(where=Household.id.in_(select(HouseholdTag.household_id).where(HouseholdTag.tag == tag)))


@blp.route("/visit-policies/<tag>", methods=["PUT"])
@auth_required("admin")
@blp.arguments(PolicyUpdateSchema)
@blp.response(200, PolicySchema)
def set_policy(body, tag):
    """Set the visit interval for a tag (or ``default``); due dates move at once."""
    _check_policy_admin(tag)
    policy = db.session.get(VisitPolicy, tag) or VisitPolicy(tag=tag)
    policy.interval_days = body["interval_days"]
    policy.updated_at = utcnow()
    policy.updated_by_id = current_user.id
    db.session.add(policy)
    db.session.flush()
    _refresh_for(tag)
    db.session.commit()
    return policy


@blp.route("/visit-policies/<tag>", methods=["DELETE"])
@auth_required("admin")
@blp.response(204)
def delete_policy(tag):
    """Remove a tag's own interval (its households fall back to the default)."""
    _check_policy_admin(tag)
    if tag == DEFAULT_POLICY:
        raise ApiError(409, "The default policy cannot be removed.")
    policy = db.session.get(VisitPolicy, tag)
    if policy is None:
        raise not_found()
    db.session.delete(policy)
    db.session.flush()
    _refresh_for(tag)
    db.session.commit()
