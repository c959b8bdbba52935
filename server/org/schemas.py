from marshmallow import Schema, fields, validate

from server.org.models import LEVELS


class OrgUnitSchema(Schema):
    id = fields.Integer()
    name = fields.String()
    level = fields.String()
    parent_id = fields.Integer(allow_none=True)
    depth = fields.Integer()


class OrgUnitCreateSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    level = fields.String(required=True, validate=validate.OneOf(LEVELS))
    parent_id = fields.Integer(load_default=None)


class OrgUnitUpdateSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))


class OrgUnitListArgs(Schema):
    level = fields.String(validate=validate.OneOf(LEVELS))
    parent_id = fields.Integer()
    under = fields.Integer(metadata={"description": "only units in this unit's subtree"})


class DepartmentSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    org_unit_id = fields.Integer(required=True)
    phone = fields.String(validate=validate.Length(max=20), load_default=None, allow_none=True)
