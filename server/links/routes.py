"""/links, /links/bulk and /leader-links."""
from flask_jwt_extended import current_user
from flask_smorest import Blueprint
from sqlalchemy import select

from server.common.errors import field_error, not_found
from server.common.pagination import PageArgs, page_of, paginate
from server.common.scoping import get_household_or_404, get_member_or_404, household_scope, manages_unit, member_scope
from server.common.security import auth_required
from server.extensions import db
from server.households.models import Household
from server.links import services
from server.links.models import LeaderLink, Link
from server.links.schemas import (BulkLinkResultSchema, BulkLinkSchema, LeaderLinkCreateSchema,
                                  LeaderLinkListArgs, LeaderLinkSchema, LinkCreateSchema, LinkListArgs,
                                  LinkSchema)
from server.members.models import Member

blp = Blueprint("links", __name__, url_prefix="/api/v1", description="1+10+100 links (联系户)")


def _managed_member(member_id: int, field: str) -> Member:
    m = db.session.scalar(select(Member).where(Member.id == member_id, member_scope(current_user)))
    if m is None or not manages_unit(current_user, m.org_unit_id):
        raise field_error(field, "Unknown member.")
    return m


@blp.route("/links", methods=["GET"])
@auth_required("admin", "secretary", "leader", "member")
@blp.arguments(LinkListArgs, location="query")
@blp.arguments(PageArgs, location="query", as_kwargs=True)
@blp.response(200, page_of(LinkSchema))
def list_links(args, **page):
    """Link history (current and ended) of households I may see."""
    stmt = (select(Link).join(Household, Household.id == Link.household_id)
            .where(household_scope(current_user)).order_by(Link.started_at.desc(), Link.id.desc()))
    if "household_id" in args:
        stmt = stmt.where(Link.household_id == args["household_id"])
    if "member_id" in args:
        stmt = stmt.where(Link.member_id == args["member_id"])
    if args.get("current") is True:
        stmt = stmt.where(Link.ended_at.is_(None))
    elif args.get("current") is False:
        stmt = stmt.where(Link.ended_at.is_not(None))
    return paginate(stmt, page)


@blp.route("/links", methods=["POST"])
@auth_required("admin", "secretary")
@blp.arguments(LinkCreateSchema)
@blp.response(201, LinkSchema)
def create_link(body):
    """Link a household to a member (409 if it has another member, unless ``replace``)."""
    member = _managed_member(body["member_id"], "member_id")
    household = get_household_or_404(current_user, body["household_id"])
    if not manages_unit(current_user, household.org_unit_id):
        raise not_found()
    link = services.link_household(member=member, household=household, replace=body["replace"],
                                   by_user_id=current_user.id)
    db.session.commit()
    return link


@blp.route("/links/bulk", methods=["POST"])
@auth_required("admin", "secretary")
@blp.arguments(BulkLinkSchema)
@blp.response(201, BulkLinkResultSchema)
def bulk_links(body):
    """Assign many households at once: all rows or none (422 names every bad row)."""
    result = services.bulk_link(user=current_user, rows=body["links"])
    db.session.commit()
    return result


@blp.route("/links/<int:link_id>", methods=["DELETE"])
@auth_required("admin", "secretary")
@blp.response(204)
def end_link(link_id):
    """End a link; it stays in the history."""
    link = db.session.get(Link, link_id)
    if link is None:
        raise not_found()
    household = get_household_or_404(current_user, link.household_id)
    if not manages_unit(current_user, household.org_unit_id):
        raise not_found()
    services.end_link(link=link, by_user_id=current_user.id)
    db.session.commit()


@blp.route("/leader-links", methods=["GET"])
@auth_required("admin", "secretary", "leader", "member")
@blp.arguments(LeaderLinkListArgs, location="query")
@blp.arguments(PageArgs, location="query", as_kwargs=True)
@blp.response(200, page_of(LeaderLinkSchema))
def list_leader_links(args, **page):
    """Leader ↔ member links (history included) of members I may see."""
    stmt = (select(LeaderLink).join(Member, Member.id == LeaderLink.member_id)
            .where(member_scope(current_user)).order_by(LeaderLink.started_at.desc(), LeaderLink.id.desc()))
    for key in ("leader_id", "member_id"):
        if key in args:
            stmt = stmt.where(getattr(LeaderLink, key) == args[key])
    if args.get("current") is True:
        stmt = stmt.where(LeaderLink.ended_at.is_(None))
    elif args.get("current") is False:
        stmt = stmt.where(LeaderLink.ended_at.is_not(None))
    return paginate(stmt, page)


@blp.route("/leader-links", methods=["POST"])
@auth_required("admin", "secretary")
@blp.arguments(LeaderLinkCreateSchema)
@blp.response(201, LeaderLinkSchema)
def create_leader_link(body):
    """Link a member to a leader (骨干联系党员)."""
    leader = _managed_member(body["leader_id"], "leader_id")
    member = _managed_member(body["member_id"], "member_id")
    link = services.link_leader(leader=leader, member=member, replace=body["replace"],
                                by_user_id=current_user.id)
    db.session.commit()
    return link


@blp.route("/leader-links/<int:link_id>", methods=["DELETE"])
@auth_required("admin", "secretary")
@blp.response(204)
def end_leader_link(link_id):
    link = db.session.get(LeaderLink, link_id)
    if link is None:
        raise not_found()
    member = get_member_or_404(current_user, link.member_id)
    if not manages_unit(current_user, member.org_unit_id):
        raise not_found()
    services.end_link(link=link, by_user_id=current_user.id)
    db.session.commit()
