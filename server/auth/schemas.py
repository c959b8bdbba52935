from marshmallow import Schema, fields, validate

from server.auth.models import ROLES


class Trimmed(fields.String):
    """A string with its surrounding spaces removed before the validators see it."""

    def _deserialize(self, value, attr, data, **kwargs):
        return super()._deserialize(value, attr, data, **kwargs).strip()


class LoginSchema(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=64))
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=128))


class UserBriefSchema(Schema):
    id = fields.Integer()
    username = fields.String()
    name = fields.String()
    roles = fields.List(fields.String())
    org_unit_id = fields.Integer(allow_none=True)
    member_id = fields.Integer(allow_none=True)
    household_id = fields.Integer(allow_none=True)
    department_id = fields.Integer(allow_none=True)
    must_change_password = fields.Boolean()


class TokensSchema(Schema):
    access_token = fields.String()
    refresh_token = fields.String()
    user = fields.Nested(UserBriefSchema)


class AccessTokenSchema(Schema):
    access_token = fields.String()


class ChangePasswordSchema(Schema):
    current_password = fields.String(required=True, validate=validate.Length(min=1, max=128))
    new_password = fields.String(required=True, validate=validate.Length(min=1, max=128))


class BindHouseholdSchema(Schema):
    card_code = fields.String(required=True, validate=validate.Length(min=4, max=32))
    phone = fields.String(required=True, validate=validate.Length(min=1, max=20))
    password = fields.String(required=True, load_only=True, validate=validate.Length(min=1, max=128))
    name = fields.String(required=True, validate=validate.Length(min=1, max=50))


class LinkedMemberSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    phone = fields.String(allow_none=True)


class MeSchema(UserBriefSchema):
    phone = fields.String(allow_none=True)
    org_unit_name = fields.String(allow_none=True)
    locale = fields.String()
    # member
    household_count = fields.Integer(allow_none=True)
    over_capacity = fields.Boolean(allow_none=True)
    leader = fields.Nested(LinkedMemberSchema, allow_none=True)
    # leader
    led_member_count = fields.Integer(allow_none=True)
    # resident
    linked_member = fields.Nested(LinkedMemberSchema, allow_none=True)


class UserCreateSchema(Schema):
    username = fields.String(required=True, validate=validate.Length(min=3, max=64))
    name = fields.String(required=True, validate=validate.Length(min=1, max=50))
    phone = fields.String(validate=validate.Length(max=20), load_default=None)
    roles = fields.List(fields.String(validate=validate.OneOf(ROLES)), required=True,
                        validate=validate.Length(min=1))
    org_unit_id = fields.Integer(load_default=None)
    department_id = fields.Integer(load_default=None)


class UserUpdateSchema(Schema):
    name = Trimmed(validate=validate.Length(min=1, max=50))
    phone = fields.String(validate=validate.Length(max=20), allow_none=True)
    roles = fields.List(fields.String(validate=validate.OneOf(ROLES)), validate=validate.Length(min=1))
    is_active = fields.Boolean()


class UserSchema(UserBriefSchema):
    phone = fields.String(allow_none=True)
    is_active = fields.Boolean()
    created_at = fields.DateTime()


class UserCreatedSchema(UserSchema):
    initial_password = fields.String(allow_none=True)


class InitialPasswordSchema(Schema):
    initial_password = fields.String()


class UserListArgs(Schema):
    role = fields.String(validate=validate.OneOf(ROLES))
    q = fields.String(validate=validate.Length(max=50))
    org_unit_id = fields.Integer()
