"""/push (VAPID key, subscriptions), /inbox and /me/settings."""
from flask import request
from flask_jwt_extended import current_user
from flask_smorest import Blueprint
from sqlalchemy import case, func, select, update

from server.common.errors import not_found
from server.common.pagination import PageArgs
from server.common.security import auth_required
from server.common.types import utcnow
from server.extensions import db
from server.push import services
from server.push.keys import public_key_b64
from server.push.models import PushSubscription, Reminder, UserSettings
from server.push.schemas import (EndpointSchema, InboxPageSchema, PublicKeySchema, ReminderSchema, SettingsSchema,
                                 SubscriptionOutSchema, SubscriptionSchema)

blp = Blueprint("push", __name__, url_prefix="/api/v1", description="Reminders: Web Push and inbox (提醒)")


@blp.route("/push/vapid-public-key", methods=["GET"])
@blp.response(200, PublicKeySchema)
@blp.doc(security=[])
def vapid_public_key():
    """The application server key for ``pushManager.subscribe`` (no login needed)."""
    return {"public_key": public_key_b64()}


@blp.route("/push/subscriptions", methods=["POST"])
@auth_required(allow_initial_password=True)
@blp.arguments(SubscriptionSchema)
@blp.response(201, SubscriptionOutSchema)
def subscribe(body):
    """Register this device for push (the same endpoint again updates it)."""
    sub = services.save_subscription(user_id=current_user.id, endpoint=body["endpoint"],
                                     p256dh=body["keys"]["p256dh"], auth=body["keys"]["auth"],
                                     user_agent=(request.user_agent.string or "")[:200])
    db.session.commit()
    return sub


@blp.route("/push/subscriptions", methods=["DELETE"])
@auth_required(allow_initial_password=True)
@blp.arguments(EndpointSchema)
@blp.response(204)
def unsubscribe(body):
    """Forget this device (push turned off, or logging out)."""
    sub = db.session.scalar(select(PushSubscription).where(PushSubscription.endpoint == body["endpoint"],
                                                           PushSubscription.user_id == current_user.id))
    if sub is None:
        raise not_found()
    db.session.delete(sub)
    db.session.commit()


@blp.route("/inbox", methods=["GET"])
@auth_required()
@blp.arguments(PageArgs, location="query")
@blp.response(200, InboxPageSchema)
def inbox(page):
    """My reminders, newest first, with the unread count."""
    mine = Reminder.user_id == current_user.id
    total, unread = db.session.execute(
        select(func.count(), func.coalesce(func.sum(case((Reminder.read_at.is_(None), 1), else_=0)), 0))
        .where(mine)).one()
    items = db.session.scalars(select(Reminder).where(mine).order_by(Reminder.created_at.desc(), Reminder.id.desc())
                               .limit(page["per_page"]).offset((page["page"] - 1) * page["per_page"])).all()
    return {"items": items, "total": total, "unread": unread, **page}


@blp.route("/inbox/<int:reminder_id>/read", methods=["POST"])
@auth_required()
@blp.response(200, ReminderSchema)
def mark_read(reminder_id):
    reminder = db.session.scalar(select(Reminder).where(Reminder.id == reminder_id,
                                                        Reminder.user_id == current_user.id))
    if reminder is None:
        raise not_found()
    if reminder.read_at is None:
        reminder.read_at = utcnow()
        db.session.commit()
    return reminder


@blp.route("/inbox/read-all", methods=["POST"])
@auth_required()
@blp.response(204)
def mark_all_read():
    db.session.execute(update(Reminder).where(Reminder.user_id == current_user.id, Reminder.read_at.is_(None))
                       .values(read_at=utcnow()))
    db.session.commit()


@blp.route("/me/settings", methods=["GET"])
@auth_required(allow_initial_password=True)
@blp.response(200, SettingsSchema)
def get_settings():
    """Language, push on/off, quiet hours (default 21:30–07:30) and muted rules."""
    return {"locale": current_user.locale, **services.settings_for(current_user.id)}


@blp.route("/me/settings", methods=["PATCH"])
@auth_required(allow_initial_password=True)
@blp.arguments(SettingsSchema)
@blp.response(200, SettingsSchema)
def update_settings(body):
    if "locale" in body:
        current_user.user.locale = current_user.locale = body.pop("locale")
    if body:
        row = db.session.get(UserSettings, current_user.id)
        if row is None:
            row = UserSettings(user_id=current_user.id, **services.DEFAULTS)
            db.session.add(row)
        for k, v in body.items():
            setattr(row, k, v)
    db.session.commit()
    return {"locale": current_user.locale, **services.settings_for(current_user.id)}
