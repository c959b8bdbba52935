"""Extensions, created unbound and attached in the application factory."""
import time

from flask import current_app
from flask_jwt_extended import JWTManager
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from server.common.api import Api

# Stable constraint names, so Alembic migrations name things the same way on
# SQLite and PostgreSQL and later migrations can drop them by name.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class CachingJWTManager(JWTManager):
    """Verifying a token was a third of a cheap request's CPU (PyJWT decodes it three times over and
    checks every base64 character), and a client sends the same token with every request until it
    expires. So the claims of a token that passed verification are kept, per app, under the exact
    token string (signature included) until the token's ``exp``; any other string, an expired
    token, or a CSRF check goes the whole way. Revocation is not cached: the blocklist loader
    reads the session on every request."""

    MAX_TOKENS = 10_000

    def _decode_jwt_from_config(self, encoded_token: str, csrf_value=None, allow_expired: bool = False) -> dict:
        if csrf_value is not None or allow_expired:
            return super()._decode_jwt_from_config(encoded_token, csrf_value, allow_expired)
        verified = current_app.extensions.setdefault("linkage.verified_tokens", {})
        claims = verified.get(encoded_token)
        if claims is None or claims["exp"] <= time.time():
            claims = super()._decode_jwt_from_config(encoded_token)  # raises for a bad or expired token
            if "exp" not in claims:
                return claims
            if len(verified) >= self.MAX_TOKENS:
                verified.clear()
            verified[encoded_token] = claims
        return dict(claims)  # a copy: callers may write into it


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
jwt = CachingJWTManager()
api = Api()
limiter = Limiter(key_func=get_remote_address, headers_enabled=True)
