"""flask-smorest's Api with our error shape instead of its own."""
from flask_smorest import Api as _Api
from marshmallow import Schema, fields

from server.common.errors import handle_http_exception


class ErrorSchema(Schema):
    """The error body every route answers with (documentation only; see server.common.errors)."""

    status = fields.Integer(metadata={"description": "HTTP status code"})
    message = fields.String(metadata={"description": "Human readable, zh-CN or en by Accept-Language"})
    errors = fields.Dict(keys=fields.String(), metadata={"description": "Field name → list of messages"})


class Api(_Api):
    ERROR_SCHEMA = ErrorSchema

    def handle_http_exception(self, error):
        return handle_http_exception(error)
