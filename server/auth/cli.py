"""``flask users …``: accounts from the command line."""
import click
from flask.cli import AppGroup

from server.extensions import db

users_cli = AppGroup("users", help="Manage accounts.")


@users_cli.command("create-admin")
@click.argument("username")
@click.option("--name", default="管理员")
@click.option("--org-unit-id", type=int, default=None, help="Scope (default: the whole tree).")
def create_admin(username, name, org_unit_id):
    """Create an admin; prints the initial password (to change at first login)."""
    from server.auth.services import create_user

    user, initial = create_user(username=username, name=name, roles=["admin"], org_unit_id=org_unit_id)
    db.session.commit()
    click.echo(f"admin {user.username} created; initial password: {initial}")


@users_cli.command("prune-sessions")
def prune_sessions():
    """Delete login sessions older than the refresh-token lifetime."""
    from flask import current_app
    from server.auth.models import AuthSession
    from server.common.types import utcnow

    cutoff = utcnow() - current_app.config["JWT_REFRESH_TOKEN_EXPIRES"]
    n = db.session.execute(AuthSession.__table__.delete().where(AuthSession.created_at < cutoff)).rowcount
    db.session.commit()
    click.echo(f"{n} sessions pruned")
