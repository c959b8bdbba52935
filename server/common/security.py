"""Authentication and role checks for routes."""
from functools import wraps

from flask import g
from flask_jwt_extended import current_user, verify_jwt_in_request
from sqlalchemy import select

from server.common.errors import ApiError, error_response
from server.extensions import db, jwt


def auth_required(*roles: str, allow_initial_password: bool = False, refresh: bool = False):
    """Require a valid, unrevoked token; optionally one of ``roles``.

    Accounts created by an admin must change their password before anything
    else (``allow_initial_password`` marks the few routes they may use).
    """

    def decorator(fn):
        @wraps(fn)
        def wrapper(*args, **kwargs):
            verify_jwt_in_request(refresh=refresh)
            user = current_user
            if user.must_change_password and not allow_initial_password:
                raise ApiError(403, "Please change your initial password first.")
            if roles and not user.has_role(*roles):
                raise ApiError(403)
            return fn(*args, **kwargs)

        wrapper._auth_roles = roles  # read by the route × role scoping test
        return wrapper

    return decorator


class Principal:
    """The caller, read with its session, roles and member id in one query per request.

    It has what scoping and the checks need; ``.user`` (the ORM row, for changes) and
    ``.member`` load only when asked for.
    """

    FIELDS = ("id", "username", "name", "phone", "org_unit_id", "household_id", "department_id",
              "must_change_password", "locale", "member_id")

    def __init__(self, row):
        for key in self.FIELDS:
            setattr(self, key, getattr(row, key))
        self._roles = frozenset((row.roles or "").split(",")) - {""}
        self._user = self._member = None

    @property
    def roles(self) -> list[str]:
        return sorted(self._roles)

    def has_role(self, *roles: str) -> bool:
        return any(r in self._roles for r in roles)

    @property
    def user(self):
        """The ORM User, for routes that change it."""
        if self._user is None:
            from server.auth.models import User
            self._user = db.session.get(User, self.id)
        return self._user

    @property
    def member(self):
        if self._member is None and self.member_id is not None:
            from server.members.models import Member
            self._member = db.session.get(Member, self.member_id)
        return self._member


def _principal_query():
    from sqlalchemy import bindparam

    from server.auth.models import AuthSession, User, UserRole
    from server.common.sqlfunc import string_agg
    from server.members.models import Member

    roles = select(string_agg(UserRole.role)).where(UserRole.user_id == User.id).scalar_subquery()
    return (select(AuthSession.revoked_at, User.is_active, *(getattr(User, f) for f in Principal.FIELDS[:-1]),
                   Member.id.label("member_id"), roles.label("roles"))
            .join(User, User.id == AuthSession.user_id)
            .outerjoin(Member, Member.user_id == User.id)
            .where(AuthSession.id == bindparam("sid"), User.id == bindparam("uid")))


def init_jwt(app) -> None:
    query = _principal_query()

    @jwt.token_in_blocklist_loader
    def _revoked(_header, payload) -> bool:
        sid = payload.get("sid")
        if not sid:
            return True
        # On the session's Core connection (same transaction): the ORM's execute path costs twice the query.
        row = db.session.connection().execute(query, {"sid": sid, "uid": int(payload["sub"])}).first()
        if row is None or row.revoked_at is not None or not row.is_active:
            return True
        g._jwt_principal = Principal(row)
        return False

    @jwt.user_lookup_loader
    def _user(_header, _payload):
        return g.pop("_jwt_principal")

    def _unauthorized(message):
        return error_response(401, message)

    jwt.unauthorized_loader(lambda _reason: _unauthorized("Authentication required."))
    jwt.invalid_token_loader(lambda _reason: _unauthorized("Invalid token."))
    jwt.expired_token_loader(
        lambda _h, _p: _unauthorized("Your session has expired or was ended. Please log in again."))
    jwt.revoked_token_loader(
        lambda _h, _p: _unauthorized("Your session has expired or was ended. Please log in again."))
    jwt.user_lookup_error_loader(lambda _h, _p: _unauthorized("Invalid token."))
    jwt.needs_fresh_token_loader(lambda _h, _p: _unauthorized("Authentication required."))
    jwt.token_verification_failed_loader(lambda _h, _p: _unauthorized("Invalid token."))
