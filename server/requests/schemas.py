from marshmallow import Schema, fields, validate

from server.requests.flows import Status
from server.requests.models import CATEGORIES, SOURCES
from server.visits.schemas import LOCAL_TZ, HouseholdBriefSchema
from server.members.schemas import MemberBriefSchema


class RequestCreateSchema(Schema):
    category = fields.String(required=True, validate=validate.OneOf(list(CATEGORIES)))
    title = fields.String(required=True, validate=validate.Length(min=1, max=100))
    description = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=5000))
    household_id = fields.Integer(load_default=None, metadata={"description": "implied for a resident"})
    service_item_id = fields.Integer(load_default=None, allow_none=True)
    source = fields.String(load_default=None, validate=validate.OneOf(list(SOURCES)))
    external_ref = fields.String(load_default=None, allow_none=True, validate=validate.Length(min=1, max=64),
                                 metadata={"description": "the 12345 hotline ticket number (source=hotline)"})


class EventSchema(Schema):
    at = fields.DateTime()
    actor_id = fields.Integer(allow_none=True)
    actor_name = fields.String(allow_none=True)
    action = fields.String()
    from_ = fields.String(data_key="from", attribute="from_status", allow_none=True)
    to = fields.String(attribute="to_status")
    note = fields.String(allow_none=True)


class ServiceItemBriefSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    time_limit_days = fields.Integer()


class RequestSchema(Schema):
    id = fields.Integer()
    household_id = fields.Integer()
    household = fields.Nested(HouseholdBriefSchema)
    org_unit_id = fields.Integer()
    category = fields.String()
    title = fields.String()
    description = fields.String(allow_none=True)
    service_item = fields.Nested(ServiceItemBriefSchema, allow_none=True)
    source = fields.String()
    external_ref = fields.String(allow_none=True)
    status = fields.String()
    assignee = fields.Nested(MemberBriefSchema, allow_none=True)
    department_id = fields.Integer(allow_none=True)
    created_by_id = fields.Integer()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    due_at = fields.DateTime()
    overdue = fields.Boolean()
    resolved_at = fields.DateTime(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    rating = fields.Integer(allow_none=True)
    rating_comment = fields.String(allow_none=True)
    version = fields.Integer()


class RequestDetailSchema(RequestSchema):
    timeline = fields.List(fields.Nested(EventSchema))
    actions = fields.List(fields.String(), metadata={"description": "what the caller may do now"})


class RequestListArgs(Schema):
    status = fields.List(fields.String(validate=validate.OneOf([s.value for s in Status])))
    category = fields.String(validate=validate.OneOf(list(CATEGORIES)))
    org_unit_id = fields.Integer()
    assignee_id = fields.Integer()
    household_id = fields.Integer()
    department_id = fields.Integer()
    source = fields.String(validate=validate.OneOf(list(SOURCES)))
    overdue = fields.Boolean()
    mine = fields.Boolean(metadata={"description": "assigned to me (member) or escalated to my department"})
    from_ = fields.AwareDateTime(data_key="from", default_timezone=LOCAL_TZ)
    to = fields.AwareDateTime(default_timezone=LOCAL_TZ)


class NoteSchema(Schema):
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=1000))


class DispatchSchema(NoteSchema):
    assignee_id = fields.Integer(required=True)


class EscalateSchema(NoteSchema):
    department_id = fields.Integer(required=True)


class RateSchema(Schema):
    score = fields.Integer(required=True, validate=validate.Range(min=1, max=5))
    comment = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))


class ServiceItemSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    category = fields.String(required=True, validate=validate.OneOf(list(CATEGORIES)))
    time_limit_days = fields.Integer(required=True, validate=validate.Range(min=1, max=365))
    description = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))
    is_active = fields.Boolean(load_default=True)


class ServiceItemUpdateSchema(Schema):
    name = fields.String(validate=validate.Length(min=1, max=100))
    category = fields.String(validate=validate.OneOf(list(CATEGORIES)))
    time_limit_days = fields.Integer(validate=validate.Range(min=1, max=365))
    description = fields.String(allow_none=True, validate=validate.Length(max=500))
    is_active = fields.Boolean()


class CategorySchema(Schema):
    code = fields.String()
    name = fields.String()
    colour = fields.String()
    default_days = fields.Integer()
