"""/households, /me/households and /tags."""
from flask import current_app, jsonify, render_template, request
from flask_jwt_extended import current_user
from flask_smorest import Blueprint
from sqlalchemy import exists, or_, select
from sqlalchemy.orm import aliased

from server.common.errors import ApiError, field_error
from server.common.i18n import current_locale
from server.common.pagination import PageArgs, page_of, paginate
from server.common.scoping import (get_household_or_404, get_org_unit_or_404, household_scope,
                                   linked_household_ids, manages_unit, subtree_ids)
from server.common.security import auth_required
from server.common.types import utcnow
from server.extensions import db
from server.households import services
from server.households.models import TAGS, Household, HouseholdTag
from server.households.schemas import (CardCodeSchema, HouseholdCreateSchema, HouseholdDetailSchema,
                                       HouseholdListArgs, HouseholdSchema, HouseholdUpdateSchema, TagSchema)
from server.links.models import Link

blp = Blueprint("households", __name__, url_prefix="/api/v1", description="Households (住户)",
                template_folder="templates")

LIST_ROLES = ("admin", "secretary", "leader", "member", "resident")


def _visible():
    return select(Household).where(Household.archived_at.is_(None), household_scope(current_user))


@blp.route("/households", methods=["GET"])
@auth_required(*LIST_ROLES)
@blp.arguments(HouseholdListArgs, location="query")
@blp.arguments(PageArgs, location="query", as_kwargs=True)
@blp.response(200, page_of(HouseholdSchema))
def list_households(args, **page):
    """Households I may see; ``unlinked=true`` lists those with no current member."""
    stmt = _visible().order_by(Household.org_unit_id, Household.number, Household.id)
    if "org_unit_id" in args:
        get_org_unit_or_404(current_user, args["org_unit_id"])
        stmt = stmt.where(Household.org_unit_id.in_(subtree_ids(args["org_unit_id"])))
    if "tag" in args:
        stmt = stmt.where(Household.id.in_(select(HouseholdTag.household_id).where(HouseholdTag.tag == args["tag"])))
    if "member_id" in args:
        stmt = stmt.where(Household.id.in_(linked_household_ids(args["member_id"])))
    if "q" in args:
        like = f"%{args['q']}%"
        stmt = stmt.where(or_(Household.address.like(like), Household.head_name.like(like),
                              Household.number.like(like), Household.phone.like(like)))
    if args.get("overdue") is True:
        stmt = stmt.where(Household.next_due_at < utcnow()).order_by(None).order_by(
            Household.next_due_at, Household.id)
    elif args.get("overdue") is False:
        stmt = stmt.where(Household.next_due_at >= utcnow())
    current = aliased(Link)  # list_rows joins Link itself; keep this subquery apart
    linked = exists().where(current.household_id == Household.id, current.ended_at.is_(None))
    if args.get("unlinked") is True:
        stmt = stmt.where(~linked)
    elif args.get("unlinked") is False:
        stmt = stmt.where(linked)
    return paginate(services.list_rows(stmt), page, scalars=False, transform=services.shape_rows,
                    count_stmt=stmt.with_only_columns(Household.id))


@blp.route("/households/<int:household_id>", methods=["GET"])
@auth_required(*LIST_ROLES)
@blp.response(200, HouseholdDetailSchema)
def get_household(household_id):
    """One household with its current member, link history and (when known) visit dates."""
    return _detail(get_household_or_404(current_user, household_id))


def _detail(hh: Household) -> Household:
    row = db.session.execute(services.list_rows(select(Household).where(Household.id == hh.id))).one()
    hh = services.shape_rows([row])[0]
    hh.links = db.session.scalars(select(Link).where(Link.household_id == hh.id)
                                  .order_by(Link.started_at.desc(), Link.id.desc())).all()
    hh.visible_card_code = hh.card_code if manages_unit(current_user, hh.org_unit_id) else None
    return hh


@blp.route("/households", methods=["POST"])
@auth_required("admin", "secretary")
@blp.arguments(HouseholdCreateSchema)
@blp.response(201, HouseholdDetailSchema)
def create_household(body):
    if not manages_unit(current_user, body["org_unit_id"]):
        raise field_error("org_unit_id", "Unknown org unit.")
    hh = services.create_household(**body)
    db.session.commit()
    return _detail(hh)


@blp.route("/households/<int:household_id>", methods=["PATCH"])
@auth_required("admin", "secretary")
@blp.arguments(HouseholdUpdateSchema)
@blp.response(200, HouseholdDetailSchema)
def update_household(body, household_id):
    hh = _managed_household(household_id)
    if "org_unit_id" in body and not manages_unit(current_user, body["org_unit_id"]):
        raise field_error("org_unit_id", "Unknown org unit.")
    services.update_household(household=hh, **body)
    db.session.commit()
    return _detail(hh)


@blp.route("/households/<int:household_id>", methods=["DELETE"])
@auth_required("admin", "secretary")
@blp.response(204)
def archive_household(household_id):
    """Archive a household (its link ends; history, visits and requests are kept)."""
    services.archive_household(household=_managed_household(household_id), by_user_id=current_user.id)
    db.session.commit()


@blp.route("/households/<int:household_id>/card-code", methods=["POST"])
@auth_required("admin")
@blp.response(200, CardCodeSchema)
def rotate_card_code(household_id):
    """Issue a new contact-card code (the old card stops working for new sign-ups)."""
    code = services.rotate_card_code(household=_managed_household(household_id))
    db.session.commit()
    return {"card_code": code, "bind_url": f"/bind?code={code}"}


@blp.route("/me/households", methods=["GET"])
@auth_required("member", "leader")
@blp.response(200, HouseholdSchema(many=True))
def my_households():
    """The households linked to me, most urgent first: last visit, next due date, overdue and by how much."""
    mid = current_user.member_id
    if mid is None:
        raise ApiError(403)
    rows = services.my_households(member_id=mid, member={"id": mid, "name": current_user.name,
                                                         "phone": current_user.phone})
    # The app's hottest read answers plain JSON built here, as HouseholdSchema would dump it (a test
    # holds the two equal): the schema's dump was a sixth of the request.
    for row in rows:
        for key in ("last_visit_at", "next_due_at"):
            row[key] = row[key].isoformat() if row[key] is not None else None
    return jsonify(rows)


@blp.route("/tags", methods=["GET"])
@auth_required()
@blp.response(200, TagSchema(many=True))
def list_tags():
    """The household tags (重点人群) and their names in the caller's language."""
    idx = 0 if current_locale() == "zh-CN" else 1
    return [{"code": code, "name": names[idx]} for code, names in TAGS.items()]


def _managed_household(household_id: int) -> Household:
    hh = get_household_or_404(current_user, household_id)
    if not manages_unit(current_user, hh.org_unit_id):
        raise ApiError(404)
    return hh


@blp.route("/households/cards", methods=["GET"])
@auth_required("admin", "secretary")
def contact_cards():
    """Printable contact cards (网格服务联系卡) for the households of a unit (``org_unit_id``) or a list
    (``ids=1,2,3``): linked member, grid secretary, hotline and a QR code of the bind link."""
    stmt = _visible().order_by(Household.org_unit_id, Household.number)
    if request.args.get("org_unit_id"):
        get_org_unit_or_404(current_user, request.args.get("org_unit_id", type=int))
        stmt = stmt.where(Household.org_unit_id.in_(subtree_ids(request.args.get("org_unit_id", type=int))))
    if request.args.get("ids"):
        try:
            ids = [int(x) for x in request.args["ids"].split(",")]
        except ValueError:
            raise field_error("ids", "Not a valid integer.") from None
        stmt = stmt.where(Household.id.in_(ids))
    rows = [hh for hh in db.session.scalars(stmt.limit(501)) if manages_unit(current_user, hh.org_unit_id)]
    if len(rows) > 500:
        raise field_error("org_unit_id", "At most 500 cards at a time.")
    base = current_app.config.get("PUBLIC_BASE_URL") or request.host_url.rstrip("/")
    cards = services.card_rows(rows, base_url=base)
    html = render_template("contact_cards.html", cards=cards, hotline=current_app.config["SERVICE_HOTLINE"])
    return html, 200, {"Content-Type": "text/html; charset=utf-8"}
