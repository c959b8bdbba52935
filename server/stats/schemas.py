from marshmallow import Schema, fields, validate

from server.stats.models import VANGUARD_PARTS
from server.visits.schemas import LOCAL_TZ


class StatsArgs(Schema):
    org_unit_id = fields.Integer(metadata={"description": "default: my own unit"})
    from_ = fields.AwareDateTime(data_key="from", default_timezone=LOCAL_TZ)
    to = fields.AwareDateTime(default_timezone=LOCAL_TZ)


class ChildSchema(Schema):
    org_unit_id = fields.Integer()
    name = fields.String()
    households = fields.Integer()
    households_overdue = fields.Integer()
    visits = fields.Integer()
    resolved_on_time_share = fields.Float(allow_none=True)


class WeekSchema(Schema):
    week = fields.String()
    visits = fields.Integer()


class OverviewSchema(Schema):
    org_unit_id = fields.Integer()
    from_ = fields.DateTime(data_key="from", attribute="from")
    to = fields.DateTime()
    households = fields.Integer()
    linked_share = fields.Float(allow_none=True)
    members = fields.Integer()
    members_over_capacity = fields.Integer()
    leaders_over_capacity = fields.Integer()
    visits = fields.Integer()
    households_overdue = fields.Integer()
    requests_by_status = fields.Dict(keys=fields.String(), values=fields.Integer())
    requests_by_category = fields.Dict(keys=fields.String(), values=fields.Integer())
    resolved_on_time_share = fields.Float(allow_none=True)
    reply_share = fields.Float(allow_none=True, metadata={"description": "answered within 24 hours"})
    satisfaction_share = fields.Float(allow_none=True, metadata={"description": "ratings 4–5 among rated"})
    median_hours_to_resolve = fields.Float(allow_none=True)
    visits_by_week = fields.List(fields.Nested(WeekSchema))
    children = fields.List(fields.Nested(ChildSchema))


class MemberStatsSchema(Schema):
    rank = fields.Integer()
    member_id = fields.Integer()
    name = fields.String()
    org_unit_id = fields.Integer()
    households = fields.Integer()
    visits = fields.Integer()
    night_visits = fields.Integer()
    errands_resolved = fields.Integer()
    on_time_share = fields.Float(allow_none=True)
    average_rating = fields.Float(allow_none=True)
    households_overdue = fields.Integer()
    vanguard_index = fields.Float()
    parts = fields.Dict(keys=fields.String(), values=fields.Float(),
                        metadata={"description": "weight × figure for each part of the index"})


class MemberStatsPageSchema(Schema):
    items = fields.List(fields.Nested(MemberStatsSchema))
    weights = fields.Dict(keys=fields.String(), values=fields.Float())


class WeightsSchema(Schema):
    weights = fields.Dict(keys=fields.String(validate=validate.OneOf(list(VANGUARD_PARTS))),
                          values=fields.Float(validate=validate.Range(min=-100, max=100)), required=True)
