"""``flask requests close-stale``."""
import click
from flask.cli import AppGroup

requests_cli = AppGroup("requests", help="Requests housekeeping.")


@requests_cli.command("close-stale")
def close_stale_command():
    """Close requests resolved and unrated for 7 days (idempotent)."""
    from server.requests.services import close_stale

    n = close_stale()
    click.echo(f"{n} resolved requests closed as unrated. 已自动办结 {n} 件。")
