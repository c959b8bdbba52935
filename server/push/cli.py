"""``flask push worker``, ``flask push send-pending`` and ``flask push scan``."""
import signal
import time

import click
from flask import current_app
from flask.cli import AppGroup

from server.extensions import db

push_cli = AppGroup("push", help="Reminders and Web Push delivery.")


@push_cli.command("send-pending")
@click.option("--limit", default=500, show_default=True)
def send_pending_command(limit):
    """Drain the push outbox once (for cron and tests)."""
    from server.push.sender import send_pending

    total = {"sent": 0, "retry": 0, "failed": 0, "gone": 0}
    while True:
        counts = send_pending(limit=limit)
        for k, v in counts.items():
            total[k] += v
        if not any(counts.values()):
            break
    click.echo(" ".join(f"{k}={v}" for k, v in total.items()))


@push_cli.command("scan")
def scan_command():
    """Run the reminder rules once (visit digests, overdue requests)."""
    from server.push.rules import scan

    started = time.perf_counter()
    counts = scan()
    click.echo(f"{counts} in {time.perf_counter() - started:.2f}s")


@push_cli.command("worker")
@click.option("--poll", default=5.0, show_default=True, help="Seconds between outbox polls.")
def worker_command(poll):
    """Send pushes as they fall due and run the rule scan on its schedule, until stopped."""
    from server.push.rules import scan
    from server.push.sender import send_pending
    from server.stats.rollup import refresh as refresh_rollups

    stop = {"now": False}
    signal.signal(signal.SIGTERM, lambda *_: stop.update(now=True))
    interval = current_app.config["RULE_SCAN_INTERVAL_SECONDS"]
    next_scan = next_rollup = 0.0
    click.echo("push worker started")
    while not stop["now"]:
        try:
            if time.monotonic() >= next_scan:
                click.echo(f"rule scan: {scan()}")
                next_scan = time.monotonic() + interval
            if time.monotonic() >= next_rollup:  # so that dashboards seldom have a day to recompute
                if refresh_rollups():
                    db.session.commit()
                next_rollup = time.monotonic() + 60
            counts = send_pending()
            if any(counts.values()):
                click.echo(f"sent: {counts}")
                continue
        except KeyboardInterrupt:
            break
        except Exception:  # keep the worker alive; the error is logged and retried next round
            db.session.rollback()
            current_app.logger.exception("push worker round failed")
        finally:
            db.session.remove()
        time.sleep(poll)
    click.echo("push worker stopped")
