"""Passwords, logins, sessions and resident sign-up."""
import re
import secrets
import uuid

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, request
from flask_jwt_extended import create_access_token, create_refresh_token
from sqlalchemy import func, select

from server.auth.models import ROLES, AuthSession, User, UserRole
from server.common.errors import ApiError, field_error
from server.common.types import utcnow
from server.extensions import db
from server.households.models import Household

PASSWORD_RULE = "At least 8 characters, not only digits."
_MOBILE = re.compile(r"^1[3-9][0-9]{9}$")  # ASCII digits only: \d also matches full-width and other scripts


def hasher() -> PasswordHasher:
    ph = current_app.extensions.get("linkage.hasher")
    if ph is None:
        cfg = current_app.config
        ph = PasswordHasher(time_cost=cfg["ARGON2_TIME_COST"], memory_cost=cfg["ARGON2_MEMORY_COST"],
                            parallelism=cfg["ARGON2_PARALLELISM"])
        current_app.extensions["linkage.hasher"] = ph
    return ph


def hash_password(password: str) -> str:
    return hasher().hash(password)


def _dummy_hash() -> str:
    h = current_app.extensions.get("linkage.dummy_hash")
    if h is None:
        h = current_app.extensions["linkage.dummy_hash"] = hash_password(secrets.token_urlsafe(16))
    return h


def verify_password(password_hash: str | None, password: str) -> bool:
    """Constant-work check: unknown users cost the same as a wrong password."""
    try:
        return hasher().verify(password_hash or _dummy_hash(), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def check_password_rule(password: str, *, field: str = "password", username: str | None = None) -> None:
    if len(password) < 8 or password.isdigit() or (username and password == username):
        raise field_error(field, PASSWORD_RULE)


def generate_initial_password() -> str:
    """A temporary password for accounts made by an admin (changed at first login)."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "".join(secrets.choice(alphabet) for _ in range(10))


def issue_tokens(*, user: User) -> dict:
    """Start a login session and return its tokens and the user (the login response)."""
    session = AuthSession(id=uuid.uuid4().hex, user_id=user.id,
                          user_agent=(request.user_agent.string or "")[:200] if request else None)
    db.session.add(session)
    claims = {"sid": session.id}
    return {
        "access_token": create_access_token(identity=str(user.id), additional_claims=claims),
        "refresh_token": create_refresh_token(identity=str(user.id), additional_claims=claims),
        "user": user,
    }


def _same_username(username: str):
    """Usernames match without regard to case. Both sides go through the database's lower(): SQLite's
    folds ASCII only, so a Python-lowered "élan" would never equal lower('Élan') there."""
    return func.lower(User.username) == func.lower(username.strip())


def login(*, username: str, password: str) -> dict:
    """Check a username and password; the same error whether or not the user exists."""
    user = db.session.scalar(select(User).where(_same_username(username)))
    ok = verify_password(user.password_hash if user else None, password)
    if not ok:
        raise ApiError(401, "Wrong username or password.")
    if not user.is_active:
        raise ApiError(401, "Wrong username or password.")
    if hasher().check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return issue_tokens(user=user)


def refresh(*, user: User, sid: str) -> dict:
    return {"access_token": create_access_token(identity=str(user.id), additional_claims={"sid": sid})}


def logout(*, sid: str) -> None:
    session = db.session.get(AuthSession, sid)
    if session is not None and session.revoked_at is None:
        session.revoked_at = utcnow()


def change_password(*, user: User, current_password: str, new_password: str, sid: str) -> None:
    """Change the caller's password; every other session of theirs is logged out."""
    if not verify_password(user.password_hash, current_password):
        raise field_error("current_password", "The current password is wrong.")
    if current_password == new_password:
        raise field_error("new_password", "The new password must differ from the current one.")
    check_password_rule(new_password, field="new_password", username=user.username)
    user.password_hash = hash_password(new_password)
    user.must_change_password = False
    user.password_changed_at = utcnow()
    db.session.execute(
        AuthSession.__table__.update()
        .where(AuthSession.user_id == user.id, AuthSession.id != sid, AuthSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


def normalize_card_code(code: str) -> str:
    """Card codes are printed in groups (ABCD-EFGH-JKMN); accept any spacing and case."""
    return re.sub(r"[\s-]", "", code or "").upper()


def bind_household(*, card_code: str, phone: str, password: str, name: str) -> dict:
    """Resident sign-up with the household's contact-card code."""
    phone, name = phone.strip(), name.strip()
    if not name:
        raise field_error("name", "Shorter than minimum length 1.")
    if not _MOBILE.match(phone):
        raise field_error("phone", "Not a valid mainland China mobile number.")
    check_password_rule(password, username=phone)
    household = db.session.scalar(select(Household).where(
        Household.card_code == normalize_card_code(card_code), Household.archived_at.is_(None)))
    if household is None:
        raise field_error("card_code", "This card code is not valid.")
    if db.session.scalar(select(User.id).where(_same_username(phone))) is not None:
        raise ApiError(409, "This phone number is already registered. Please log in.",
                       errors={"phone": ["This phone number is already registered. Please log in."]})
    bound = db.session.scalar(select(func.count()).select_from(User).where(User.household_id == household.id))
    if bound >= current_app.config["RESIDENTS_PER_HOUSEHOLD"]:
        raise ApiError(409, "This household already has the most residents allowed.")
    user = User(username=phone, name=name, phone=phone, password_hash=hash_password(password),
                household_id=household.id, role_rows=[UserRole(role="resident")])
    db.session.add(user)
    db.session.flush()
    return issue_tokens(user=user)


def create_user(*, username: str, name: str, roles: list[str], phone: str | None = None,
                org_unit_id: int | None = None, department_id: int | None = None,
                household_id: int | None = None, password: str | None = None) -> tuple[User, str | None]:
    """Create an account made by an admin: it must change its password at first login.

    Returns the user and the generated initial password (None when one was given).
    """
    for role in roles:
        if role not in ROLES:
            raise field_error("roles", "Unknown role.")
    username, name = username.strip(), name.strip()
    if len(username) < 3:  # the schema's length check saw the untrimmed value
        raise field_error("username", "Shorter than minimum length 3.")
    if not name:
        raise field_error("name", "Shorter than minimum length 1.")
    if db.session.scalar(select(User.id).where(_same_username(username))) is not None:
        raise ApiError(409, "This username is taken.", errors={"username": ["This username is taken."]})
    initial = None
    if password is None:
        password = initial = generate_initial_password()
    else:
        check_password_rule(password, username=username)
    user = User(username=username, name=name, phone=phone, org_unit_id=org_unit_id,
                department_id=department_id, household_id=household_id,
                password_hash=hash_password(password), must_change_password=True,
                role_rows=[UserRole(role=r) for r in sorted(set(roles))])
    db.session.add(user)
    db.session.flush()
    return user, initial


def reset_password(*, user: User) -> str:
    """Give an account a new initial password; all its sessions end."""
    initial = generate_initial_password()
    user.password_hash = hash_password(initial)
    user.must_change_password = True
    db.session.execute(
        AuthSession.__table__.update()
        .where(AuthSession.user_id == user.id, AuthSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    return initial
