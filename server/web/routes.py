"""The installable web app (pwa/), served by Flask at /. The API stays at /api/v1."""
from pathlib import Path

from flask import Blueprint, current_app, send_from_directory

bp = Blueprint("web", __name__)

PWA_DIR = Path(__file__).resolve().parents[2] / "pwa"


def _send(filename: str, *, max_age: int = 0, mimetype: str | None = None):
    resp = send_from_directory(PWA_DIR, filename, max_age=max_age, mimetype=mimetype)
    if max_age == 0:
        resp.headers["Cache-Control"] = "no-cache"
    return resp


@bp.get("/")
@bp.get("/bind")
@bp.get("/index.html")
def shell():
    """The app shell; /bind?code=… opens the bind screen filled in (the app reads the URL)."""
    resp = _send("index.html")
    resp.headers["Content-Security-Policy"] = (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "connect-src 'self'; worker-src 'self'; manifest-src 'self'; base-uri 'none'; frame-ancestors 'none'")
    resp.headers["X-Content-Type-Options"] = "nosniff"
    return resp


@bp.get("/sw.js")
def service_worker():
    """Never cached by the browser, so a new version installs on the next visit."""
    resp = _send("sw.js", mimetype="text/javascript")
    resp.headers["Service-Worker-Allowed"] = "/"
    return resp


@bp.get("/manifest.webmanifest")
def manifest():
    return _send("manifest.webmanifest", max_age=3600, mimetype="application/manifest+json")


@bp.get("/<any(js, css, icons):folder>/<path:filename>")
def asset(folder, filename):
    # the service worker versions these; the browser may keep them a short while
    return _send(f"{folder}/{filename}", max_age=0 if current_app.debug else 300)
