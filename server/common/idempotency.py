"""``Idempotency-Key`` for writes a phone may retry (API.md).

The same key and body from the same user returns the first response (same
status and body) and never stores a second record; the same key with another
body is 422. The key row is written in the same transaction as the record, so
two racing submissions store exactly one: the loser's insert hits the primary
key, rolls back, and replays the winner's response.
"""
import hashlib
import json
from functools import wraps

from flask import Response, current_app, request
from flask_jwt_extended import current_user
from sqlalchemy import ForeignKey, Integer, String, Text, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from server.common.errors import ApiError
from server.common.types import UTCDateTime, utcnow
from server.extensions import db

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 64


class IdempotencyKey(db.Model):
    __tablename__ = "idempotency_keys"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[str] = mapped_column(String(MAX_KEY_LENGTH), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response_body: Mapped[str] = mapped_column(Text)
    created_at = mapped_column(UTCDateTime, default=utcnow, nullable=False, index=True)


def _request_hash() -> str:
    body = request.get_json(silent=True)
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(f"{request.method} {request.path}\n{canonical}".encode()).hexdigest()


def _replay(row: IdempotencyKey, request_hash: str) -> Response:
    if row.request_hash != request_hash:
        raise ApiError(422, "This Idempotency-Key was already used with a different request.",
                       errors={HEADER: ["This Idempotency-Key was already used with a different request."]})
    resp = current_app.response_class(row.response_body, status=row.status_code, mimetype="application/json")
    resp.headers["Idempotent-Replayed"] = "true"
    return resp


def idempotent(fn):
    """Wrap a view (outside ``@blp.response``) that does not commit: this commits once, with its key."""

    @wraps(fn)
    def wrapper(*args, **kwargs):
        key = request.headers.get(HEADER)
        if key is None:
            resp = fn(*args, **kwargs)
            db.session.commit()
            return resp
        key = key.strip()
        if not key or len(key) > MAX_KEY_LENGTH:
            raise ApiError(422, errors={HEADER: [f"Length must be between 1 and {MAX_KEY_LENGTH}."]})
        user_id = current_user.id
        digest = _request_hash()
        row = db.session.get(IdempotencyKey, (user_id, key))
        if row is not None:
            return _replay(row, digest)
        resp = fn(*args, **kwargs)
        if not (200 <= resp.status_code < 300):
            db.session.rollback()
            return resp
        db.session.add(IdempotencyKey(user_id=user_id, key=key, request_hash=digest,
                                      status_code=resp.status_code, response_body=resp.get_data(as_text=True)))
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()  # a racing twin committed first: answer as it did
            row = db.session.scalar(select(IdempotencyKey).where(
                IdempotencyKey.user_id == user_id, IdempotencyKey.key == key))
            if row is None:
                raise
            return _replay(row, digest)
        return resp

    wrapper._idempotent = True
    return wrapper
