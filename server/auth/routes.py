"""/auth, /me and /users."""
from flask import current_app, request
from flask_jwt_extended import current_user, get_jwt, verify_jwt_in_request
from flask_smorest import Blueprint
from sqlalchemy import func, or_, select, true

from server.auth import services
from server.auth.models import User, UserRole
from server.auth.schemas import (AccessTokenSchema, BindHouseholdSchema, ChangePasswordSchema,
                                 InitialPasswordSchema, LoginSchema, MeSchema, TokensSchema,
                                 UserCreatedSchema, UserCreateSchema, UserListArgs, UserSchema,
                                 UserUpdateSchema)
from server.common.errors import ApiError, field_error, not_found
from server.common.pagination import PageArgs, page_of, paginate
from server.common.scoping import manages_unit, subtree_ids
from server.common.security import auth_required
from server.extensions import db, limiter
from server.households.models import Household
from server.links.models import LeaderLink, Link
from server.members.models import Member
from server.org.models import Department, OrgUnit

blp = Blueprint("auth", __name__, url_prefix="/api/v1", description="Accounts and login (账号与登录)")


def _login_username() -> str:
    body = request.get_json(silent=True)
    name = body.get("username") if isinstance(body, dict) else None
    return "user:" + (name.strip().lower() if isinstance(name, str) else "")


def _failed(resp) -> bool:
    return resp.status_code == 401


@blp.route("/auth/login", methods=["POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_USERNAME"], key_func=_login_username,
               deduct_when=_failed, scope="login-username")
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], deduct_when=_failed,
               scope="login-address")
@blp.arguments(LoginSchema)
@blp.response(200, TokensSchema)
@blp.doc(security=[])
def login(body):
    """Log in with a username and password (wrong credentials: 401, never saying which)."""
    result = services.login(**body)
    db.session.commit()
    return result


@blp.route("/auth/refresh", methods=["POST"])
@auth_required(refresh=True, allow_initial_password=True)
@blp.response(200, AccessTokenSchema)
def refresh():
    """A new access token for the refresh token presented."""
    return services.refresh(user=current_user, sid=get_jwt()["sid"])


@blp.route("/auth/logout", methods=["POST"])
@blp.response(204)
def logout():
    """Revoke the login session of the presented token (access or refresh)."""
    verify_jwt_in_request(verify_type=False)
    services.logout(sid=get_jwt()["sid"])
    db.session.commit()


@blp.route("/auth/password", methods=["POST"])
@auth_required(allow_initial_password=True)
@blp.arguments(ChangePasswordSchema)
@blp.response(204)
def change_password(body):
    """Change my password (required at first login for accounts made by an admin)."""
    services.change_password(user=current_user.user, sid=get_jwt()["sid"], **body)
    db.session.commit()


@blp.route("/auth/bind-household", methods=["POST"])
@limiter.limit(lambda: current_app.config["BIND_LIMIT_PER_ADDRESS"], scope="bind-household",
               deduct_when=lambda r: r.status_code >= 400)
@blp.arguments(BindHouseholdSchema)
@blp.response(201, TokensSchema)
@blp.doc(security=[])
def bind_household(body):
    """Resident sign-up with the household contact card code (网格服务联系卡)."""
    result = services.bind_household(**body)
    db.session.commit()
    return result


@blp.route("/me", methods=["GET"])
@auth_required(allow_initial_password=True)
@blp.response(200, MeSchema)
def me():
    """The current user, roles, org unit and, by role, their links."""
    user = current_user
    out = {k: getattr(user, k) for k in ("id", "username", "name", "phone", "roles", "org_unit_id",
                                         "member_id", "household_id", "department_id",
                                         "must_change_password", "locale")}
    member = user.member
    unit_id = user.org_unit_id or (member.org_unit_id if member else None)
    if unit_id is None and user.household_id:
        unit_id = db.session.scalar(select(Household.org_unit_id).where(Household.id == user.household_id))
    out["org_unit_id"] = unit_id
    out["org_unit_name"] = db.session.scalar(select(OrgUnit.name).where(OrgUnit.id == unit_id)) if unit_id else None
    if member is not None:
        count = db.session.scalar(select(func.count()).select_from(Link).where(
            Link.member_id == member.id, Link.ended_at.is_(None)))
        out["household_count"] = count
        out["over_capacity"] = count > current_app.config["MEMBER_CAPACITY"]
        leader = db.session.scalar(select(Member).join(LeaderLink, LeaderLink.leader_id == Member.id).where(
            LeaderLink.member_id == member.id, LeaderLink.ended_at.is_(None)))
        out["leader"] = leader
        if user.has_role("leader"):
            out["led_member_count"] = db.session.scalar(select(func.count()).select_from(LeaderLink).where(
                LeaderLink.leader_id == member.id, LeaderLink.ended_at.is_(None)))
    if user.household_id is not None:
        out["linked_member"] = db.session.scalar(select(Member).join(Link, Link.member_id == Member.id).where(
            Link.household_id == user.household_id, Link.ended_at.is_(None)))
    return out


# ---- accounts made by an admin -------------------------------------------------

def _user_scope(user):
    if user.org_unit_id is None:
        return true()
    return User.org_unit_id.in_(subtree_ids(user.org_unit_id))


def _get_user_or_404(user_id: int) -> User:
    u = db.session.scalar(select(User).where(User.id == user_id, _user_scope(current_user)))
    if u is None:
        raise not_found()
    return u


def _check_assignable(body):
    if body.get("org_unit_id") is not None and not manages_unit(current_user, body["org_unit_id"]):
        raise field_error("org_unit_id", "Unknown org unit.")
    if body.get("department_id") is not None:
        dept = db.session.get(Department, body["department_id"])
        if dept is None or not manages_unit(current_user, dept.org_unit_id):
            raise field_error("department_id", "Unknown department.")


@blp.route("/users", methods=["GET"])
@auth_required("admin")
@blp.arguments(UserListArgs, location="query")
@blp.arguments(PageArgs, location="query", as_kwargs=True)
@blp.response(200, page_of(UserSchema))
def list_users(args, **page):
    """Accounts in my subtree (admin)."""
    stmt = select(User).where(_user_scope(current_user)).order_by(User.id)
    if "role" in args:
        stmt = stmt.where(User.id.in_(select(UserRole.user_id).where(UserRole.role == args["role"])))
    if "q" in args:
        like = f"%{args['q']}%"
        stmt = stmt.where(or_(User.name.like(like), User.username.like(like), User.phone.like(like)))
    if "org_unit_id" in args:
        stmt = stmt.where(User.org_unit_id.in_(subtree_ids(args["org_unit_id"])))
    return paginate(stmt, page)


@blp.route("/users", methods=["POST"])
@auth_required("admin")
@blp.arguments(UserCreateSchema)
@blp.response(201, UserCreatedSchema)
def create_user(body):
    """Create an account (secretary, admin, department …). It gets an initial password to change."""
    _check_assignable(body)
    if body.get("org_unit_id") is None and current_user.org_unit_id is not None \
            and set(body["roles"]) & {"admin", "secretary"}:
        raise field_error("org_unit_id", "Unknown org unit.")
    user, initial = services.create_user(**body)
    db.session.commit()
    user.initial_password = initial
    return user


@blp.route("/users/<int:user_id>", methods=["PATCH"])
@auth_required("admin")
@blp.arguments(UserUpdateSchema)
@blp.response(200, UserSchema)
def update_user(body, user_id):
    """Change an account's name, phone, roles or active flag."""
    user = _get_user_or_404(user_id)
    if "roles" in body:
        user.role_rows = [UserRole(role=r) for r in sorted(set(body.pop("roles")))]
    for k, v in body.items():
        setattr(user, k, v)
    db.session.commit()
    return user


@blp.route("/users/<int:user_id>/reset-password", methods=["POST"])
@auth_required("admin")
@blp.response(200, InitialPasswordSchema)
def reset_password(user_id):
    """A new initial password for an account; it must be changed at next login."""
    user = _get_user_or_404(user_id)
    if user.id == current_user.id:
        raise ApiError(403)
    initial = services.reset_password(user=user)
    db.session.commit()
    return {"initial_password": initial}
