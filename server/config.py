"""Configuration: defaults for an embedded SQLite install, overridable by environment."""
import os
import secrets
from datetime import timedelta
from pathlib import Path


def instance_secret(instance_path: str, name: str, make=None) -> str:
    """Read a secret from ``instance/<name>``, generating it on first run (mode 0600).

    Safe when several processes start at once: the file appears atomically
    (written aside, then hard-linked into place) and the loser reads the winner's.
    """
    path = Path(instance_path) / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(make() if make else secrets.token_urlsafe(48))
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_text().strip()


def load_config(app, overrides: dict | None = None) -> None:
    """Fill ``app.config`` from defaults, the environment and ``overrides`` (tests)."""
    overrides = overrides or {}
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    env = os.environ

    cfg = app.config
    cfg["SQLALCHEMY_DATABASE_URI"] = overrides.get("SQLALCHEMY_DATABASE_URI") or _database_url(
        env.get("DATABASE_URL"), instance
    )
    cfg["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": True}
    cfg["MAX_CONTENT_LENGTH"] = 1024 * 1024  # 1 MB: larger bodies get 413
    cfg["JSON_AS_ASCII"] = False
    cfg["JSON_SORT_KEYS"] = False

    cfg["JWT_SECRET_KEY"] = (overrides.get("JWT_SECRET_KEY") or env.get("JWT_SECRET_KEY")
                             or instance_secret(app.instance_path, "jwt-secret"))
    cfg["JWT_ACCESS_TOKEN_EXPIRES"] = timedelta(minutes=int(env.get("JWT_ACCESS_MINUTES", "15")))
    cfg["JWT_REFRESH_TOKEN_EXPIRES"] = timedelta(days=int(env.get("JWT_REFRESH_DAYS", "30")))
    cfg["JWT_TOKEN_LOCATION"] = ["headers"]
    cfg["JWT_ERROR_MESSAGE_KEY"] = "message"

    # Login throttling. memory:// is per process; point it at Redis when running
    # several gunicorn workers or machines (e.g. redis://127.0.0.1:6379/0).
    cfg["RATELIMIT_STORAGE_URI"] = env.get("RATELIMIT_STORAGE_URI", "memory://")
    cfg["RATELIMIT_HEADERS_ENABLED"] = True
    cfg["LOGIN_LIMIT_PER_USERNAME"] = env.get("LOGIN_LIMIT_PER_USERNAME", "5 per 15 minutes")
    cfg["LOGIN_LIMIT_PER_ADDRESS"] = env.get("LOGIN_LIMIT_PER_ADDRESS", "30 per 15 minutes")
    cfg["BIND_LIMIT_PER_ADDRESS"] = env.get("BIND_LIMIT_PER_ADDRESS", "10 per 15 minutes")

    # Argon2id parameters (argon2-cffi's RFC 9106 low-memory profile by default).
    cfg["ARGON2_TIME_COST"] = int(env.get("ARGON2_TIME_COST", "3"))
    cfg["ARGON2_MEMORY_COST"] = int(env.get("ARGON2_MEMORY_COST", str(64 * 1024)))
    cfg["ARGON2_PARALLELISM"] = int(env.get("ARGON2_PARALLELISM", "4"))

    # Web Push (VAPID). The private key (PEM) comes from the environment or is generated
    # into instance/vapid-private.pem on first use.
    cfg["VAPID_PRIVATE_KEY"] = env.get("VAPID_PRIVATE_KEY")
    cfg["VAPID_SUBJECT"] = env.get("VAPID_SUBJECT", "mailto:linkage-admin@localhost")
    cfg["PUSH_TTL_SECONDS"] = int(env.get("PUSH_TTL_SECONDS", str(24 * 3600)))
    cfg["PUSH_TIMEOUT_SECONDS"] = float(env.get("PUSH_TIMEOUT_SECONDS", "10"))
    cfg["PUSH_MAX_ATTEMPTS"] = int(env.get("PUSH_MAX_ATTEMPTS", "6"))
    cfg["PUSH_RETRY_BASE_SECONDS"] = int(env.get("PUSH_RETRY_BASE_SECONDS", "30"))
    cfg["PUSH_POOL_SIZE"] = int(env.get("PUSH_POOL_SIZE", "64"))  # messages in flight at once
    cfg["RULE_SCAN_INTERVAL_SECONDS"] = int(env.get("RULE_SCAN_INTERVAL_SECONDS", "3600"))
    cfg["VISIT_DUE_SOON_DAYS"] = int(env.get("VISIT_DUE_SOON_DAYS", "2"))

    cfg["SERVICE_HOTLINE"] = env.get("SERVICE_HOTLINE", "12345")
    cfg["PUBLIC_BASE_URL"] = env.get("PUBLIC_BASE_URL")  # for links printed on contact cards

    # the most rows one export may hold (a county's visits for a year are millions: narrow it down)
    cfg["EXPORT_MAX_ROWS"] = int(env.get("EXPORT_MAX_ROWS", "200000"))

    cfg["MEMBER_CAPACITY"] = int(env.get("MEMBER_CAPACITY", "10"))  # the "10" of 1+10+100
    cfg["LEADER_CAPACITY"] = int(env.get("LEADER_CAPACITY", "10"))
    cfg["RESIDENTS_PER_HOUSEHOLD"] = int(env.get("RESIDENTS_PER_HOUSEHOLD", "6"))

    cfg["API_TITLE"] = "Linkage API"
    cfg["API_VERSION"] = "v1"
    cfg["OPENAPI_VERSION"] = "3.0.3"
    cfg["OPENAPI_URL_PREFIX"] = "/api"
    cfg["OPENAPI_JSON_PATH"] = "openapi.json"
    cfg["OPENAPI_SWAGGER_UI_PATH"] = "docs"
    # Swagger UI is served from the swagger-ui-bundle package, never a CDN.
    cfg["OPENAPI_SWAGGER_UI_URL"] = "/api/docs/assets/"
    cfg["API_SPEC_OPTIONS"] = {
        "info": {"description": "1+10+100 党员联系户 — API. Errors: {status, message, errors}."},
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}
        },
        # every operation needs the token unless it says otherwise (login, bind, the VAPID key):
        # Swagger UI's Authorize then sends it
        "security": [{"bearerAuth": []}],
    }
    cfg.update(overrides)


def _database_url(url: str | None, instance: Path) -> str:
    if not url:
        return f"sqlite:///{instance / 'linkage.db'}"
    # Accept the common postgres:// and postgresql:// spellings; we drive psycopg 3.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url
