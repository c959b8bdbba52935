"""One JSON error shape for every error: ``{"status", "message", "errors"}``."""
import logging

from flask import jsonify
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

from server.common.i18n import translate, translate_errors

log = logging.getLogger(__name__)

DEFAULT_MESSAGES = {
    400: "Bad request.",
    401: "Authentication required.",
    403: "You are not allowed to do this.",
    404: "Not found, or not visible to you.",
    405: "Method not allowed.",
    409: "Conflict.",
    413: "The request body is too large.",
    415: "Unsupported media type.",
    422: "The input is not valid.",
    500: "Internal error. It has been logged; please try again later.",
}


class ApiError(Exception):
    """Raised by services and routes; rendered by the app-level handler.

    ``message`` is an English message id from :mod:`server.common.i18n`;
    ``errors`` maps field names to lists of message ids.
    """

    def __init__(self, status: int, message: str | None = None, errors: dict | None = None,
                 headers: dict | None = None, **params):
        super().__init__(message or DEFAULT_MESSAGES.get(status, ""))
        self.status = status
        self.message = message or DEFAULT_MESSAGES.get(status, "Bad request.")
        self.errors = errors or {}
        self.headers = headers or {}
        self.params = params


def not_found() -> ApiError:
    return ApiError(404)


def field_error(field: str, message: str, status: int = 422, **params) -> ApiError:
    return ApiError(status, "The input is not valid.", errors={field: [message]}, **params)


def error_response(status: int, message: str, errors=None, headers=None, **params):
    body = {
        "status": status,
        "message": translate(message, **params),
        "errors": translate_errors(errors or {}, **params),
    }
    resp = jsonify(body)
    resp.status_code = status
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    return resp


def _flatten_webargs(messages) -> dict:
    """webargs nests field errors under their location (json, query, …); API.md wants them flat."""
    flat: dict = {}
    if not isinstance(messages, dict):
        return flat
    for location, fields in messages.items():
        if isinstance(fields, dict):
            flat.update(fields)
        else:
            flat.setdefault("_" + str(location), fields)
    return flat


def handle_http_exception(error: HTTPException):
    status = error.code or 500
    data = getattr(error, "data", None) or {}
    messages = data.get("messages")
    if status == 400 and messages and "json" in messages and not isinstance(messages["json"], dict):
        return error_response(400, "Malformed JSON body.")
    errors = _flatten_webargs(messages) if messages else {}
    headers = dict(data.get("headers") or {})
    if status == 429:
        return _rate_limited(headers)
    if status == 405 and getattr(error, "valid_methods", None):
        headers["Allow"] = ", ".join(error.valid_methods)
    return error_response(status, data.get("message") or DEFAULT_MESSAGES.get(status, "Bad request."),
                          errors, headers)


def _rate_limited(headers: dict):
    from server.extensions import limiter  # the limiter knows the window that was hit
    import time

    seconds = 60
    current = limiter.current_limit
    if current is not None:
        seconds = max(1, int(current.reset_at - time.time()))
    headers["Retry-After"] = str(seconds)
    return error_response(429, "Too many attempts. Try again in {seconds} seconds.", None, headers,
                          seconds=seconds)


def register_error_handlers(app, db) -> None:
    @app.errorhandler(ApiError)
    def _api_error(error: ApiError):
        db.session.rollback()
        return error_response(error.status, error.message, error.errors, error.headers, **error.params)

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        return handle_http_exception(error)

    @app.errorhandler(IntegrityError)
    def _integrity_error(error: IntegrityError):
        db.session.rollback()
        log.info("integrity error: %s", error.orig)
        return error_response(409, "Conflict.")

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        if isinstance(error, HTTPException):
            return handle_http_exception(error)
        db.session.rollback()
        log.exception("unhandled error")
        return error_response(500, DEFAULT_MESSAGES[500])
