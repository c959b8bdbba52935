from marshmallow import Schema, fields, validate

from server.members.schemas import MemberBriefSchema


class LinkCreateSchema(Schema):
    member_id = fields.Integer(required=True)
    household_id = fields.Integer(required=True)
    replace = fields.Boolean(load_default=False)


class LinkSchema(Schema):
    id = fields.Integer()
    member_id = fields.Integer()
    household_id = fields.Integer()
    member = fields.Nested(MemberBriefSchema)
    started_at = fields.DateTime()
    ended_at = fields.DateTime(allow_none=True)
    created_by_id = fields.Integer(allow_none=True)
    ended_by_id = fields.Integer(allow_none=True)
    end_reason = fields.String(allow_none=True)


class BulkLinkRowSchema(Schema):
    member_id = fields.Integer(required=True)
    household_id = fields.Integer(required=True)
    replace = fields.Boolean(load_default=False)


class BulkLinkSchema(Schema):
    links = fields.List(fields.Nested(BulkLinkRowSchema), required=True,
                        validate=validate.Length(min=1, max=1000))


class BulkLinkResultSchema(Schema):
    created = fields.Integer()
    replaced = fields.Integer()
    items = fields.List(fields.Nested(LinkSchema))


class LinkListArgs(Schema):
    household_id = fields.Integer()
    member_id = fields.Integer()
    current = fields.Boolean()


class LeaderLinkCreateSchema(Schema):
    leader_id = fields.Integer(required=True)
    member_id = fields.Integer(required=True)
    replace = fields.Boolean(load_default=False)


class LeaderLinkSchema(Schema):
    id = fields.Integer()
    leader_id = fields.Integer()
    member_id = fields.Integer()
    started_at = fields.DateTime()
    ended_at = fields.DateTime(allow_none=True)
    created_by_id = fields.Integer(allow_none=True)
    ended_by_id = fields.Integer(allow_none=True)
    end_reason = fields.String(allow_none=True)


class LeaderLinkListArgs(Schema):
    leader_id = fields.Integer()
    member_id = fields.Integer()
    current = fields.Boolean()
