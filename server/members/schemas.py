from zoneinfo import ZoneInfo

from marshmallow import Schema, fields, validate

from server.auth.schemas import Trimmed

LOCAL_TZ = ZoneInfo("Asia/Shanghai")


class MemberBriefSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    phone = fields.String(allow_none=True)


class MemberSchema(Schema):
    id = fields.Integer()
    user_id = fields.Integer()
    username = fields.String(attribute="user.username")
    name = fields.String()
    phone = fields.String(allow_none=True)
    org_unit_id = fields.Integer()
    is_leader = fields.Boolean()
    is_central_household = fields.Boolean()
    joined_party_on = fields.Date(allow_none=True)
    is_active = fields.Boolean()
    household_count = fields.Integer()
    over_capacity = fields.Boolean()
    leader = fields.Nested(MemberBriefSchema, allow_none=True)
    led_member_count = fields.Integer(allow_none=True)
    visit_count = fields.Integer(metadata={"description": "visits in the period (default: this month)"})
    overdue_count = fields.Integer(metadata={"description": "linked households past their next visit"})


class MemberCreatedSchema(MemberSchema):
    initial_password = fields.String(allow_none=True)


class MemberCreateSchema(Schema):
    username = fields.String(required=True, validate=validate.Length(min=3, max=64))
    name = Trimmed(required=True, validate=validate.Length(min=1, max=50))
    phone = fields.String(validate=validate.Length(max=20), load_default=None, allow_none=True)
    org_unit_id = fields.Integer(required=True)
    is_leader = fields.Boolean(load_default=False)
    is_central_household = fields.Boolean(load_default=False)
    joined_party_on = fields.Date(load_default=None, allow_none=True)


class MemberUpdateSchema(Schema):
    name = Trimmed(validate=validate.Length(min=1, max=50))
    phone = fields.String(validate=validate.Length(max=20), allow_none=True)
    org_unit_id = fields.Integer()
    is_leader = fields.Boolean()
    is_central_household = fields.Boolean()
    joined_party_on = fields.Date(allow_none=True)
    is_active = fields.Boolean()


class MemberListArgs(Schema):
    org_unit_id = fields.Integer()
    q = fields.String(validate=validate.Length(max=50))
    over_capacity = fields.Boolean()
    is_leader = fields.Boolean()
    leader_id = fields.Integer()
    include_inactive = fields.Boolean(load_default=False)
    from_ = fields.AwareDateTime(data_key="from", default_timezone=LOCAL_TZ)
    to = fields.AwareDateTime(default_timezone=LOCAL_TZ)
