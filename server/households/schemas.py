from marshmallow import Schema, fields, validate

from server.households.models import TAGS
from server.members.schemas import MemberBriefSchema

Tag = fields.String(validate=validate.OneOf(list(TAGS)))


class HouseholdSchema(Schema):
    id = fields.Integer()
    org_unit_id = fields.Integer()
    number = fields.String()
    address = fields.String()
    head_name = fields.String()
    phone = fields.String(allow_none=True)
    size = fields.Integer()
    tags = fields.List(fields.String())
    member = fields.Nested(MemberBriefSchema, allow_none=True)
    link_id = fields.Integer(allow_none=True)
    last_visit_at = fields.DateTime(allow_none=True)
    next_due_at = fields.DateTime(allow_none=True)
    overdue = fields.Boolean()
    days_overdue = fields.Integer()


class LinkHistorySchema(Schema):
    id = fields.Integer()
    member = fields.Nested(MemberBriefSchema)
    started_at = fields.DateTime()
    ended_at = fields.DateTime(allow_none=True)
    created_by_id = fields.Integer(allow_none=True)
    ended_by_id = fields.Integer(allow_none=True)
    end_reason = fields.String(allow_none=True)


class HouseholdDetailSchema(HouseholdSchema):
    note = fields.String(allow_none=True)
    card_code = fields.String(attribute="visible_card_code", allow_none=True,
                              metadata={"description": "admins and secretaries only"})
    links = fields.List(fields.Nested(LinkHistorySchema))
    created_at = fields.DateTime()
    updated_at = fields.DateTime()


class HouseholdCreateSchema(Schema):
    org_unit_id = fields.Integer(required=True)
    number = fields.String(required=True, validate=validate.Length(min=1, max=32))
    address = fields.String(required=True, validate=validate.Length(min=1, max=200))
    head_name = fields.String(required=True, validate=validate.Length(min=1, max=50))
    phone = fields.String(validate=validate.Length(max=20), load_default=None, allow_none=True)
    size = fields.Integer(load_default=1, validate=validate.Range(min=1, max=50))
    tags = fields.List(Tag, load_default=list, validate=validate.Length(max=len(TAGS)))
    note = fields.String(validate=validate.Length(max=500), load_default=None, allow_none=True)
    card_code = fields.String(validate=validate.Length(min=4, max=32), load_default=None,
                              metadata={"description": "only for cards already printed; generated if absent"})


class HouseholdUpdateSchema(Schema):
    org_unit_id = fields.Integer()
    number = fields.String(validate=validate.Length(min=1, max=32))
    address = fields.String(validate=validate.Length(min=1, max=200))
    head_name = fields.String(validate=validate.Length(min=1, max=50))
    phone = fields.String(validate=validate.Length(max=20), allow_none=True)
    size = fields.Integer(validate=validate.Range(min=1, max=50))
    tags = fields.List(Tag, validate=validate.Length(max=len(TAGS)))
    note = fields.String(validate=validate.Length(max=500), allow_none=True)


class HouseholdListArgs(Schema):
    org_unit_id = fields.Integer()
    tag = fields.String(validate=validate.OneOf(list(TAGS)))
    unlinked = fields.Boolean()
    member_id = fields.Integer()
    q = fields.String(validate=validate.Length(max=50))
    overdue = fields.Boolean(metadata={"description": "only households past their next visit date"})


class CardCodeSchema(Schema):
    card_code = fields.String()
    bind_url = fields.String()


class TagSchema(Schema):
    code = fields.String()
    name = fields.String()
