from datetime import timezone
from zoneinfo import ZoneInfo

from marshmallow import Schema, fields, validate

from server.visits.models import CONCERNS, KINDS

LOCAL_TZ = ZoneInfo("Asia/Shanghai")  # a time without an offset is read as China time


class ConcernSchema(Schema):
    category = fields.String(required=True, validate=validate.OneOf(list(CONCERNS)))
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))


class LocationSchema(Schema):
    lat = fields.Float(required=True, validate=validate.Range(min=-90, max=90))
    lon = fields.Float(required=True, validate=validate.Range(min=-180, max=180))
    accuracy = fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=0, max=100_000))


class OpenRequestSchema(Schema):
    """A concern found on the visit, taken on as a request (代办) in the same step."""

    category = fields.String(required=True, validate=validate.OneOf(
        ["suggestion", "complaint", "wish", "publicity", "service"]))
    title = fields.String(required=True, validate=validate.Length(min=1, max=100))
    description = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=5000))
    service_item_id = fields.Integer(load_default=None, allow_none=True)


class VisitCreateSchema(Schema):
    household_id = fields.Integer(required=True)
    visited_at = fields.AwareDateTime(default_timezone=LOCAL_TZ, load_default=None,
                                      metadata={"description": "defaults to now; at most 30 days ago"})
    kind = fields.String(load_default="regular", validate=validate.OneOf(list(KINDS)))
    notes = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))
    concerns = fields.List(fields.Nested(ConcernSchema), load_default=list, validate=validate.Length(max=20))
    location = fields.Nested(LocationSchema, load_default=None, allow_none=True)
    open_request = fields.Nested(OpenRequestSchema, load_default=None, allow_none=True)


class VisitUpdateSchema(Schema):
    visited_at = fields.AwareDateTime(default_timezone=LOCAL_TZ)
    kind = fields.String(validate=validate.OneOf(list(KINDS)))
    notes = fields.String(allow_none=True, validate=validate.Length(max=2000))
    concerns = fields.List(fields.Nested(ConcernSchema), validate=validate.Length(max=20))
    location = fields.Nested(LocationSchema, allow_none=True)


class HouseholdBriefSchema(Schema):
    id = fields.Integer()
    head_name = fields.String()
    address = fields.String()


class VisitSchema(Schema):
    id = fields.Integer()
    household_id = fields.Integer()
    household = fields.Nested(HouseholdBriefSchema)
    member_id = fields.Integer(allow_none=True)
    author_id = fields.Integer()
    author_name = fields.String(attribute="author.name")
    visited_at = fields.DateTime()
    kind = fields.String()
    notes = fields.String(allow_none=True)
    concerns = fields.List(fields.Nested(ConcernSchema))
    location = fields.Nested(LocationSchema, allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    request_id = fields.Integer(metadata={"description": "the request opened with this visit, if any"})


class RevisionSchema(Schema):
    editor_id = fields.Integer()
    edited_at = fields.DateTime()
    before = fields.Dict()


class VisitDetailSchema(VisitSchema):
    revisions = fields.List(fields.Nested(RevisionSchema))


class VisitListArgs(Schema):
    household_id = fields.Integer()
    member_id = fields.Integer()
    org_unit_id = fields.Integer()
    kind = fields.String(validate=validate.OneOf(list(KINDS)))
    from_ = fields.AwareDateTime(data_key="from", default_timezone=LOCAL_TZ)
    to = fields.AwareDateTime(default_timezone=LOCAL_TZ)


class PeriodArgs(Schema):
    from_ = fields.AwareDateTime(data_key="from", default_timezone=LOCAL_TZ)
    to = fields.AwareDateTime(default_timezone=LOCAL_TZ)


class DiaryDaySchema(Schema):
    date = fields.Date()
    count = fields.Integer()
    visits = fields.List(fields.Nested(VisitSchema))


class PolicySchema(Schema):
    tag = fields.String()
    interval_days = fields.Integer()
    updated_at = fields.DateTime()


class PolicyUpdateSchema(Schema):
    interval_days = fields.Integer(required=True, validate=validate.Range(min=1, max=366))


class CatalogueItemSchema(Schema):
    code = fields.String()
    name = fields.String()


class VisitCatalogueSchema(Schema):
    kinds = fields.List(fields.Nested(CatalogueItemSchema))
    concerns = fields.List(fields.Nested(CatalogueItemSchema))


UTC = timezone.utc
