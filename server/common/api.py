"""flask-smorest's Api with our error shape instead of its own."""
from flask_smorest import Api as _Api

from server.common.errors import handle_http_exception


class Api(_Api):
    def handle_http_exception(self, error):
        return handle_http_exception(error)
