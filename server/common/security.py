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


def init_jwt(app) -> None:
    from server.auth.models import AuthSession, User

    @jwt.token_in_blocklist_loader
    def _revoked(_header, payload) -> bool:
        sid = payload.get("sid")
        if not sid:
            return True
        row = db.session.execute(
            select(AuthSession.revoked_at, User)
            .join(User, User.id == AuthSession.user_id)
            .where(AuthSession.id == sid, User.id == int(payload["sub"]))
        ).first()
        if row is None or row.revoked_at is not None or not row.User.is_active:
            return True
        g._jwt_user = row.User
        return False

    @jwt.user_lookup_loader
    def _user(_header, payload):
        return g.pop("_jwt_user", None) or db.session.get(User, int(payload["sub"]))

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
