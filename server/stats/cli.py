"""``flask stats rebuild|refresh``: the daily rollups of the dashboards."""
import time

import click
from flask.cli import AppGroup

from server.extensions import db

stats_cli = AppGroup("stats", help="Dashboard rollups.")


@stats_cli.command("rebuild")
def rebuild_command():
    """Recompute every day's rollup rows (after a bulk load or an upgrade)."""
    from server.stats.rollup import rebuild

    started = time.monotonic()
    click.echo("重算统计 rebuilding the daily rollups …")
    rebuild()
    db.session.commit()
    click.echo(f"done in {time.monotonic() - started:.0f} s. 完成。")


@stats_cli.command("refresh")
def refresh_command():
    """Recompute the days changed since the last refresh (the worker does this every minute)."""
    from server.stats.rollup import refresh

    n = refresh()
    db.session.commit()
    click.echo(f"{n} days recomputed. 已重算 {n} 天。")
