"""create_app's settings: secrets generated into instance/, SQLite connection settings, limits."""
import os
import stat
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from server import create_app
from server.config import instance_secret
from server.extensions import db


@pytest.fixture
def bare_env(monkeypatch):
    for name in ("JWT_SECRET_KEY", "DATABASE_URL", "JWT_ACCESS_MINUTES", "JWT_REFRESH_DAYS",
                 "LOGIN_LIMIT_PER_USERNAME", "LOGIN_LIMIT_PER_ADDRESS"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def build(tmp_path, instance="instance", **overrides):
    return create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'app.db'}", **overrides},
                      instance_path=str(tmp_path / instance))


def test_jwt_secret_is_generated_once_into_instance(tmp_path, bare_env):
    inst = tmp_path / "instance"
    assert not inst.exists()
    first = build(tmp_path)
    secret_file = inst / "jwt-secret"
    assert first.instance_path == str(inst)
    assert secret_file.is_file()
    assert stat.S_IMODE(os.stat(secret_file).st_mode) == 0o600
    secret = first.config["JWT_SECRET_KEY"]
    assert secret == secret_file.read_text().strip() and len(secret) >= 48
    assert [p.name for p in inst.iterdir() if p.name.startswith(".")] == []  # no temporary file left

    second = build(tmp_path)
    assert second.config["JWT_SECRET_KEY"] == secret
    assert secret_file.read_text().strip() == secret

    other = build(tmp_path, instance="elsewhere")
    assert other.config["JWT_SECRET_KEY"] != secret  # each install gets its own


def test_tokens_survive_a_restart(tmp_path, bare_env):
    """A token signed by one process is accepted by the next one built on the same instance folder."""
    from flask_jwt_extended import create_access_token, decode_token

    a = build(tmp_path)
    with a.test_request_context():
        token = create_access_token(identity="1", additional_claims={"sid": "x"})
    b = build(tmp_path)
    with b.test_request_context():
        assert decode_token(token)["sub"] == "1"


def test_jwt_secret_from_the_environment_or_overrides(tmp_path, bare_env):
    bare_env.setenv("JWT_SECRET_KEY", "from-the-environment-0123456789")
    app = build(tmp_path)
    assert app.config["JWT_SECRET_KEY"] == "from-the-environment-0123456789"
    assert not (tmp_path / "instance" / "jwt-secret").exists()
    app = build(tmp_path, JWT_SECRET_KEY="from-overrides-0123456789")
    assert app.config["JWT_SECRET_KEY"] == "from-overrides-0123456789"
    assert not (tmp_path / "instance" / "jwt-secret").exists()


def test_instance_secret_keeps_an_existing_file(tmp_path):
    (tmp_path / "token").write_text("already-here\n")
    assert instance_secret(str(tmp_path), "token") == "already-here"
    assert instance_secret(str(tmp_path / "new"), "token", make=lambda: "made") == "made"
    assert instance_secret(str(tmp_path / "new"), "token", make=lambda: "other") == "made"
    assert sorted(p.name for p in (tmp_path / "new").iterdir()) == ["token"]


def test_defaults(tmp_path, bare_env):
    app = build(tmp_path)
    cfg = app.config
    assert cfg["MAX_CONTENT_LENGTH"] == 1024 * 1024
    assert cfg["JWT_ACCESS_TOKEN_EXPIRES"] == timedelta(minutes=15)
    assert cfg["JWT_REFRESH_TOKEN_EXPIRES"] == timedelta(days=30)
    assert cfg["JWT_TOKEN_LOCATION"] == ["headers"]
    assert cfg["LOGIN_LIMIT_PER_USERNAME"] == "5 per 15 minutes"
    assert cfg["LOGIN_LIMIT_PER_ADDRESS"] == "30 per 15 minutes"
    bare_env.setenv("JWT_ACCESS_MINUTES", "5")
    bare_env.setenv("LOGIN_LIMIT_PER_ADDRESS", "100 per hour")
    app = build(tmp_path)
    assert app.config["JWT_ACCESS_TOKEN_EXPIRES"] == timedelta(minutes=5)
    assert app.config["LOGIN_LIMIT_PER_ADDRESS"] == "100 per hour"


def test_database_url(tmp_path, bare_env):
    app = create_app({"JWT_SECRET_KEY": "k" * 40}, instance_path=str(tmp_path / "i"))
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'i' / 'linkage.db'}"
    for given in ("postgres://u:p@db.example:5432/linkage", "postgresql://u:p@db.example:5432/linkage"):
        bare_env.setenv("DATABASE_URL", given)
        app = create_app({"JWT_SECRET_KEY": "k" * 40}, instance_path=str(tmp_path / "i"))
        assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u:p@db.example:5432/linkage"


def _pragmas(conn):
    return {name: conn.execute(text(f"PRAGMA {name}")).scalar()
            for name in ("foreign_keys", "journal_mode", "busy_timeout")}


def test_sqlite_connection_settings_on_a_new_database(tmp_path, bare_env):
    app = build(tmp_path, JWT_SECRET_KEY="k" * 40)
    with app.app_context(), db.engine.connect() as conn:
        p = _pragmas(conn)
    assert p["foreign_keys"] == 1
    assert p["journal_mode"] == "wal"
    assert p["busy_timeout"] >= 1000


def test_sqlite_connection_settings_of_the_test_database(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite settings")
    # every pooled connection has them, not only the first one
    conns = [db.engine.connect() for _ in range(3)]
    try:
        for conn in conns:
            p = _pragmas(conn)
            assert p == {"foreign_keys": 1, "journal_mode": "wal", "busy_timeout": p["busy_timeout"]}
            assert p["busy_timeout"] >= 1000
    finally:
        for conn in conns:
            conn.close()


def test_foreign_keys_are_enforced(app):
    from server.auth.models import AuthSession

    db.session.add(AuthSession(id="f" * 32, user_id=987654))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
