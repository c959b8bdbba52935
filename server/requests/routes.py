"""/requests (诉求 / 代办), their transitions, and the service catalogue."""
from flask_jwt_extended import current_user
from flask_smorest import Blueprint
from sqlalchemy import false, or_, select

from server.auth.models import User
from server.common.errors import ApiError, field_error, not_found
from server.common.i18n import current_locale
from server.common.idempotency import idempotent
from server.common.pagination import PageArgs, page_of, paginate
from server.common.scoping import get_org_unit_or_404, request_scope, subtree_ids
from server.common.security import auth_required
from server.common.types import utcnow
from server.extensions import db
from server.requests import services
from server.requests.flows import OPEN, allowed_actions
from server.requests.models import CATEGORIES, DEFAULT_DAYS, Request, RequestEvent, ServiceItem
from server.requests.schemas import (CategorySchema, DispatchSchema, EscalateSchema, NoteSchema, RateSchema,
                                     RequestCreateSchema, RequestDetailSchema, RequestListArgs, RequestSchema,
                                     ServiceItemSchema, ServiceItemUpdateSchema)
from server.visits.routes import IDEMPOTENCY_DOC

blp = Blueprint("requests", __name__, url_prefix="/api/v1", description="Requests and errands (诉求 / 代办)")


def _present(req: Request, now=None) -> Request:
    now = now or utcnow()
    req.overdue = req.status in OPEN and req.due_at < now
    return req


def _detail(req: Request) -> Request:
    rows = db.session.execute(
        select(RequestEvent, User.name).outerjoin(User, User.id == RequestEvent.actor_id)
        .where(RequestEvent.request_id == req.id).order_by(RequestEvent.id)).all()
    timeline = []
    for event, name in rows:
        event.actor_name = name
        timeline.append(event)
    req.timeline = timeline
    req.actions = allowed_actions(req.status, services.actors_for(current_user, req))
    return _present(req)


def _get_request_or_404(request_id: int) -> Request:
    req = db.session.scalar(select(Request).where(Request.id == request_id, request_scope(current_user)))
    if req is None:
        raise not_found()
    return req


@blp.route("/requests", methods=["POST"])
@auth_required()
@idempotent
@blp.arguments(RequestCreateSchema)
@blp.response(201, RequestDetailSchema)
@blp.doc(**IDEMPOTENCY_DOC)
def create_request(body):
    """File a request (resident), an errand (member, 代办) or a hotline / walk-in request (secretary)."""
    req, new = services.create_request(user=current_user, **body)
    return _detail(req), (201 if new else 200)


@blp.route("/requests", methods=["GET"])
@auth_required()
@blp.arguments(RequestListArgs, location="query")
@blp.arguments(PageArgs, location="query", as_kwargs=True)
@blp.response(200, page_of(RequestSchema))
def list_requests(args, **page):
    """Requests I may see: the dispatch board (status=submitted), assigned to me, escalated to us, mine."""
    now = utcnow()
    stmt = select(Request).where(request_scope(current_user))
    if args.get("status"):
        stmt = stmt.where(Request.status.in_(args["status"]))
    for key in ("category", "assignee_id", "household_id", "department_id", "source"):
        if key in args:
            stmt = stmt.where(getattr(Request, key) == args[key])
    if "org_unit_id" in args:
        get_org_unit_or_404(current_user, args["org_unit_id"])
        stmt = stmt.where(Request.org_unit_id.in_(subtree_ids(args["org_unit_id"])))
    if args.get("mine"):
        mine = []
        if current_user.member_id is not None:
            mine.append(Request.assignee_id == current_user.member_id)
        if current_user.department_id is not None:
            mine.append(Request.department_id == current_user.department_id)
        if current_user.household_id is not None:
            mine.append(Request.household_id == current_user.household_id)
        stmt = stmt.where(or_(*mine) if mine else false())
    if "from_" in args and "to" in args and args["from_"] > args["to"]:
        raise field_error("from", "The start of the period is after its end.")
    if "from_" in args:
        stmt = stmt.where(Request.created_at >= args["from_"])
    if "to" in args:
        stmt = stmt.where(Request.created_at <= args["to"])
    if args.get("overdue"):
        stmt = stmt.where(Request.status.in_(OPEN), Request.due_at < now).order_by(Request.due_at, Request.id)
    else:
        stmt = stmt.order_by(Request.created_at.desc(), Request.id.desc())
    return paginate(stmt, page, transform=lambda items: [_present(r, now) for r in items])


@blp.route("/requests/<int:request_id>", methods=["GET"])
@auth_required()
@blp.response(200, RequestDetailSchema)
def get_request(request_id):
    """One request with its timeline and the actions open to me."""
    return _detail(_get_request_or_404(request_id))


def _transition_view(action: str, schema, summary: str):
    def view(body, request_id):
        req = _get_request_or_404(request_id)
        services.transition(req=req, action=action, user=current_user, **body)
        return _detail(req)

    view.__name__ = f"request_{action}"
    view.__doc__ = summary
    path = action.replace("_", "-")
    return blp.route(f"/requests/<int:request_id>/{path}", methods=["POST"])(
        auth_required()(idempotent(blp.arguments(schema)(blp.response(200, RequestDetailSchema)(
            blp.doc(**IDEMPOTENCY_DOC)(view))))))


_transition_view("dispatch", DispatchSchema, "Dispatch to a member of the branch (派单): secretary or admin.")
_transition_view("accept", NoteSchema, "Accept a dispatched request (接单): its assignee.")
_transition_view("decline", NoteSchema, "Decline a dispatched request; it returns to the dispatch board.")
_transition_view("escalate", EscalateSchema, "Escalate to a department (网格吹哨), with a note.")
_transition_view("acknowledge", NoteSchema, "The department reports for duty (部门报到) and takes it on.")
_transition_view("hand_back", NoteSchema, "The department hands an escalated request back, saying why.")
_transition_view("resolve", NoteSchema, "Resolve, saying what was done.")
_transition_view("rate", RateSchema, "Rate a resolved request 1–5 (评单): a resident of the household, once.")


@blp.route("/requests/categories", methods=["GET"])
@auth_required()
@blp.response(200, CategorySchema(many=True))
def categories():
    """The five bags (五色袋) with their colours and default time limits."""
    idx = 0 if current_locale() == "zh-CN" else 1
    return [{"code": k, "name": v[idx], "colour": v[2], "default_days": DEFAULT_DAYS[k]}
            for k, v in CATEGORIES.items()]


@blp.route("/service-items", methods=["GET"])
@auth_required()
@blp.response(200, ServiceItemSchema(many=True))
def list_service_items():
    """The service catalogue (便民服务事项清单), active items first."""
    return db.session.scalars(select(ServiceItem).order_by(ServiceItem.is_active.desc(), ServiceItem.id)).all()


@blp.route("/service-items", methods=["POST"])
@auth_required("admin")
@blp.arguments(ServiceItemSchema)
@blp.response(201, ServiceItemSchema)
def create_service_item(body):
    if db.session.scalar(select(ServiceItem.id).where(ServiceItem.name == body["name"].strip())):
        raise ApiError(409, "A service item with this name exists.", errors={"name": ["A service item with this name exists."]})
    item = ServiceItem(**{**body, "name": body["name"].strip()})
    db.session.add(item)
    db.session.commit()
    return item


@blp.route("/service-items/<int:item_id>", methods=["PATCH"])
@auth_required("admin")
@blp.arguments(ServiceItemUpdateSchema)
@blp.response(200, ServiceItemSchema)
def update_service_item(body, item_id):
    item = db.session.get(ServiceItem, item_id)
    if item is None:
        raise not_found()
    for k, v in body.items():
        setattr(item, k, v)
    db.session.commit()
    return item
