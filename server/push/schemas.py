import re

from marshmallow import Schema, fields, validate

from server.push.models import RULES

_B64URL = re.compile(r"^[A-Za-z0-9_-]+=*$")
HHMM = validate.Regexp(r"^([01]\d|2[0-3]):[0-5]\d$", error="String does not match expected pattern.")


class KeysSchema(Schema):
    p256dh = fields.String(required=True, validate=[validate.Length(min=16, max=128),
                                                    validate.Regexp(_B64URL, error="Invalid value.")])
    auth = fields.String(required=True, validate=[validate.Length(min=8, max=64),
                                                  validate.Regexp(_B64URL, error="Invalid value.")])


class SubscriptionSchema(Schema):
    """What the browser's ``PushSubscription.toJSON()`` gives."""

    endpoint = fields.Url(required=True, require_tld=False, schemes={"http", "https"},
                          validate=validate.Length(max=1024))
    expirationTime = fields.Raw(load_default=None, allow_none=True)  # noqa: N815 (the browser's name)
    keys = fields.Nested(KeysSchema, required=True)


class SubscriptionOutSchema(Schema):
    id = fields.Integer()
    endpoint = fields.String()
    created_at = fields.DateTime()


class EndpointSchema(Schema):
    endpoint = fields.String(required=True, validate=validate.Length(min=1, max=1024))


class PublicKeySchema(Schema):
    public_key = fields.String()


class ReminderSchema(Schema):
    id = fields.Integer()
    rule = fields.String()
    title = fields.String()
    body = fields.String()
    url = fields.String()
    created_at = fields.DateTime()
    read_at = fields.DateTime(allow_none=True)


class InboxPageSchema(Schema):
    items = fields.List(fields.Nested(ReminderSchema))
    total = fields.Integer()
    unread = fields.Integer()
    page = fields.Integer()
    per_page = fields.Integer()


class SettingsSchema(Schema):
    locale = fields.String(validate=validate.OneOf(["zh-CN", "en"]))
    push_enabled = fields.Boolean()
    quiet_start = fields.String(validate=HHMM)
    quiet_end = fields.String(validate=HHMM)
    muted_rules = fields.List(fields.String(validate=validate.OneOf(list(RULES))))
