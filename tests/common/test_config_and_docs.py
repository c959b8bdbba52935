"""Configuration defaults, secrets in instance/, the OpenAPI document and the offline docs."""
import os
import re
import stat

from sqlalchemy import text

from server import create_app
from server.extensions import db

API_MD_ROUTES = ["/api/v1/auth/login", "/api/v1/auth/refresh", "/api/v1/auth/logout", "/api/v1/auth/bind-household",
                 "/api/v1/me", "/api/v1/org-units", "/api/v1/members", "/api/v1/households",
                 "/api/v1/households/{household_id}", "/api/v1/links", "/api/v1/links/{link_id}",
                 "/api/v1/leader-links", "/api/v1/me/households", "/api/v1/links/bulk", "/api/v1/visits",
                 "/api/v1/requests", "/api/v1/requests/{request_id}", "/api/v1/requests/{request_id}/dispatch",
                 "/api/v1/requests/{request_id}/accept", "/api/v1/requests/{request_id}/decline",
                 "/api/v1/requests/{request_id}/escalate", "/api/v1/requests/{request_id}/acknowledge",
                 "/api/v1/requests/{request_id}/resolve", "/api/v1/requests/{request_id}/rate",
                 "/api/v1/push/vapid-public-key", "/api/v1/push/subscriptions", "/api/v1/inbox",
                 "/api/v1/inbox/{reminder_id}/read"]


def test_jwt_secret_is_generated_once_into_instance(tmp_path, monkeypatch):
    monkeypatch.delenv("JWT_SECRET_KEY", raising=False)
    inst = tmp_path / "instance"
    a = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'a.db'}"}, instance_path=str(inst))
    secret_file = inst / "jwt-secret"
    assert secret_file.exists()
    assert stat.S_IMODE(os.stat(secret_file).st_mode) == 0o600
    b = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'a.db'}"}, instance_path=str(inst))
    assert a.config["JWT_SECRET_KEY"] == b.config["JWT_SECRET_KEY"] == secret_file.read_text()
    assert len(a.config["JWT_SECRET_KEY"]) >= 40
    monkeypatch.setenv("JWT_SECRET_KEY", "from-the-environment-0123456789")
    c = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'a.db'}"}, instance_path=str(inst))
    assert c.config["JWT_SECRET_KEY"] == "from-the-environment-0123456789"


def test_database_url_defaults_and_postgres_spelling(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app({"JWT_SECRET_KEY": "k" * 40}, instance_path=str(tmp_path / "i"))
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'i' / 'linkage.db'}"
    monkeypatch.setenv("DATABASE_URL", "postgres://u@db.example/linkage")
    app = create_app({"JWT_SECRET_KEY": "k" * 40}, instance_path=str(tmp_path / "i"))
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db.example/linkage"


def test_sqlite_connection_settings(app):
    if db.engine.dialect.name != "sqlite":
        return
    with db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 1000


def test_openapi_lists_the_contract(client):
    doc = client.get("/api/openapi.json").json
    assert doc["openapi"].startswith("3.")
    missing = [p for p in API_MD_ROUTES if p not in doc["paths"]]
    assert not missing
    login = doc["paths"]["/api/v1/auth/login"]["post"]
    assert login["security"] == [] and "requestBody" in login
    assert "bearerAuth" in doc["components"]["securitySchemes"]


def test_docs_work_without_internet(client):
    r = client.get("/api/docs")
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and "swagger" in html.lower()
    hosts = re.findall(r"https?://([^/\"']+)", html)
    assert not [h for h in hosts if h not in ("127.0.0.1", "localhost")], hosts
    for asset in re.findall(r'(?:src|href)="(/api/docs/assets/[^"]+)"', html):
        resp = client.get(asset)
        assert resp.status_code == 200, asset
        resp.close()
