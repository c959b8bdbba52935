"""/members."""
from flask_jwt_extended import current_user
from flask_smorest import Blueprint
from sqlalchemy import or_, select

from server.auth.models import User, UserRole
from server.common.errors import field_error
from server.common.pagination import PageArgs, page_of, paginate
from server.common.scoping import (get_member_or_404, get_org_unit_or_404, led_member_ids, manages_unit,
                                   member_scope, subtree_ids)
from server.common.security import auth_required
from server.common.types import utcnow
from server.visits.services import period
from server.extensions import db
from server.links.models import LeaderLink
from server.members import services
from server.members.models import Member
from server.members.schemas import (MemberCreatedSchema, MemberCreateSchema, MemberListArgs, MemberSchema,
                                    MemberUpdateSchema)

blp = Blueprint("members", __name__, url_prefix="/api/v1", description="Party members (党员)")


def _with_counts(rows):
    """Attach counts and current leaders to a page of _member_query rows."""
    members = []
    cap = services.capacity()
    for member, count, led, visits, overdue in rows:
        member.household_count = count
        member.over_capacity = count > cap
        member.led_member_count = led if member.is_leader else None
        member.visit_count = visits
        member.overdue_count = overdue
        members.append(member)
    ids = [m.id for m in members]
    leaders = {}
    if ids:
        q = (select(LeaderLink.member_id, Member).join(Member, Member.id == LeaderLink.leader_id)
             .where(LeaderLink.member_id.in_(ids), LeaderLink.ended_at.is_(None)))
        leaders = {mid: leader for mid, leader in db.session.execute(q)}
    for m in members:
        m.leader = leaders.get(m.id)
    return members


def _member_query(args: dict | None = None):
    """Members with their counts; visits over the period of ``args`` (default this month)."""
    now = utcnow()
    start, end = period(args or {}, now)
    count = services.household_count_expr()
    stmt = select(Member, count.label("household_count"), services.led_count_expr().label("led"),
                  services.visit_count_expr(start, end).label("visits"),
                  services.overdue_count_expr(now).label("overdue"))
    return stmt, count


def _load(member_id: int) -> Member:
    return _with_counts(db.session.execute(_member_query()[0].where(Member.id == member_id)).all())[0]


@blp.route("/members", methods=["GET"])
@auth_required("admin", "secretary", "leader", "member")
@blp.arguments(MemberListArgs, location="query")
@blp.arguments(PageArgs, location="query", as_kwargs=True)
@blp.response(200, page_of(MemberSchema))
def list_members(args, **page):
    """Members I may see, with households, visits in a period and overdue households.

    ``over_capacity=true`` lists those over 10 households; ``leader_id`` a leader's members.
    """
    stmt, count = _member_query(args)
    stmt = stmt.join(User, User.id == Member.user_id).where(member_scope(current_user)).order_by(Member.id)
    if not args["include_inactive"]:
        stmt = stmt.where(Member.is_active.is_(True))
    if "org_unit_id" in args:
        get_org_unit_or_404(current_user, args["org_unit_id"])
        stmt = stmt.where(Member.org_unit_id.in_(subtree_ids(args["org_unit_id"])))
    if "q" in args:
        like = f"%{args['q']}%"
        stmt = stmt.where(or_(User.name.like(like), User.phone.like(like), User.username.like(like)))
    if args.get("over_capacity") is True:
        stmt = stmt.where(count > services.capacity())
    elif args.get("over_capacity") is False:
        stmt = stmt.where(count <= services.capacity())
    if "is_leader" in args:
        is_leader = Member.user_id.in_(select(UserRole.user_id).where(UserRole.role == "leader"))
        stmt = stmt.where(is_leader if args["is_leader"] else ~is_leader)
    if "leader_id" in args:
        stmt = stmt.where(Member.id.in_(led_member_ids(args["leader_id"])))
    return paginate(stmt, page, scalars=False, transform=_with_counts)


@blp.route("/members/<int:member_id>", methods=["GET"])
@auth_required("admin", "secretary", "leader", "member")
@blp.response(200, MemberSchema)
def get_member(member_id):
    return _load(get_member_or_404(current_user, member_id).id)


@blp.route("/members", methods=["POST"])
@auth_required("admin", "secretary")
@blp.arguments(MemberCreateSchema)
@blp.response(201, MemberCreatedSchema)
def create_member(body):
    """Add a member and their account; the response carries the initial password once."""
    if not manages_unit(current_user, body["org_unit_id"]):
        raise field_error("org_unit_id", "Unknown org unit.")
    member, initial = services.create_member(**body)
    db.session.commit()
    result = _load(member.id)
    result.initial_password = initial
    return result


@blp.route("/members/<int:member_id>", methods=["PATCH"])
@auth_required("admin", "secretary")
@blp.arguments(MemberUpdateSchema)
@blp.response(200, MemberSchema)
def update_member(body, member_id):
    member = get_member_or_404(current_user, member_id)
    if "org_unit_id" in body and not manages_unit(current_user, body["org_unit_id"]):
        raise field_error("org_unit_id", "Unknown org unit.")
    services.update_member(member=member, by_user_id=current_user.id, **body)
    db.session.commit()
    return _load(member.id)


@blp.route("/members/<int:member_id>", methods=["DELETE"])
@auth_required("admin", "secretary")
@blp.response(204)
def deactivate_member(member_id):
    """Deactivate a member: the account stops and their links end (history kept)."""
    member = get_member_or_404(current_user, member_id)
    services.deactivate(member=member, by_user_id=current_user.id)
    db.session.commit()
