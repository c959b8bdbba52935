"""Linkage: the application factory."""
import logging
from pathlib import Path

from flask import Flask, send_from_directory
from sqlalchemy import event
from sqlalchemy.engine import Engine


def create_app(config: dict | None = None, *, instance_path: str | None = None) -> Flask:
    """Build the app. ``config`` overrides settings (tests); ``instance_path`` moves instance/."""
    app = Flask(__name__, instance_relative_config=True, instance_path=instance_path)
    from server.config import load_config
    load_config(app, config)
    if app.logger.level == logging.NOTSET:
        app.logger.setLevel(logging.INFO)  # Flask's handler on the "server" logger covers server.*

    from server.extensions import api, db, jwt, limiter, migrate
    import server.models  # noqa: F401  (every table, for Alembic)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(app.root_path).parent / "migrations"), compare_type=True)
    jwt.init_app(app)
    limiter.init_app(app)
    api.init_app(app)

    from server.common.errors import register_error_handlers
    from server.common.security import init_jwt
    register_error_handlers(app, db)
    init_jwt(app)

    from server.auth.routes import blp as auth_blp
    from server.households.routes import blp as households_blp
    from server.links.routes import blp as links_blp
    from server.members.routes import blp as members_blp
    from server.org.routes import blp as org_blp
    from server.push.routes import blp as push_blp
    from server.requests.routes import blp as requests_blp
    from server.excel.routes import blp as excel_blp
    from server.stats.routes import blp as stats_blp
    from server.visits.routes import blp as visits_blp
    for blp in (auth_blp, org_blp, members_blp, households_blp, links_blp, visits_blp, requests_blp, push_blp,
                stats_blp, excel_blp):
        api.register_blueprint(blp)

    _register_docs_assets(app)

    from server.web.routes import bp as web_bp
    app.register_blueprint(web_bp)

    from seed.cli import seed_cli
    from server.auth.cli import users_cli
    from server.excel.cli import import_cli
    from server.push.cli import push_cli
    from server.requests.cli import requests_cli
    from server.stats.cli import stats_cli
    app.cli.add_command(seed_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(requests_cli)
    app.cli.add_command(push_cli)
    app.cli.add_command(import_cli)
    app.cli.add_command(stats_cli)

    return app


def _register_docs_assets(app: Flask) -> None:
    """Swagger UI's files from the swagger-ui-bundle package: /api/docs works with no internet."""
    from swagger_ui_bundle import swagger_ui_path

    @app.get("/api/docs/assets/<path:filename>")
    def swagger_assets(filename):
        return send_from_directory(str(swagger_ui_path), filename, max_age=86400)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record):
    """SQLite: WAL for concurrent readers, foreign keys enforced, wait instead of failing when busy,
    and a page cache sized for a county's data."""
    import sqlite3

    if isinstance(dbapi_connection, sqlite3.Connection):
        cur = dbapi_connection.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=5000")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA cache_size=-65536")  # 64 MiB of pages per connection (default: 2 MiB)
        cur.execute("PRAGMA temp_store=MEMORY")
        cur.close()
