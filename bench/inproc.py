"""In-process figures: the reminder rule scan over the county, and Web Push sending rates."""
import asyncio
import base64
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from bench.__main__ import SECRET, free_port

# A push service on 127.0.0.1 (asyncio, keep-alive) that answers 201 after a delay standing in for
# the network round trip to a real push service (argv[2] milliseconds).
PUSH_SERVER = """
import asyncio, sys
DELAY = int(sys.argv[2]) / 1000
async def handle(reader, writer):
    try:
        while True:
            head = await reader.readuntil(b"\\r\\n\\r\\n")
            length = 0
            for line in head.split(b"\\r\\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            await reader.readexactly(length)
            await asyncio.sleep(DELAY)
            writer.write(b"HTTP/1.1 201 Created\\r\\nContent-Length: 0\\r\\n\\r\\n")
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        writer.close()
async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", int(sys.argv[1]))
    await server.serve_forever()
asyncio.run(main())
"""
RTT_MS = 10


def rule_scan(db: Path) -> None:
    from server import create_app
    from server.common.types import utcnow
    from server.push.rules import scan

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{db}", "JWT_SECRET_KEY": SECRET})
    with app.app_context():
        started = time.perf_counter()
        counts = scan(now=utcnow() + timedelta(days=int(time.time()) % 1000 + 1))  # a fresh day: nothing deduped
        took = time.perf_counter() - started
    print(f"rule scan over the county: {took:.2f} s (target < 5 s), reminders written: {counts}")


CONCURRENCY = 64  # the worker's PUSH_POOL_SIZE default


def _b64(b: bytes) -> str:
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def push_rates(n: int = 3000) -> None:
    from py_vapid import Vapid
    from pywebpush import WebPusher

    from server.push.sender import send_all

    port = free_port()
    server = subprocess.Popen([sys.executable, "-c", PUSH_SERVER, str(port), str(RTT_MS)])
    time.sleep(0.5)
    try:
        signer = Vapid()
        signer.generate_keys()
        subs = []
        for i in range(20):
            key = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
            subs.append({"endpoint": f"http://127.0.0.1:{port}/push/{i}", "p256dh": _b64(key),
                         "auth": _b64(os.urandom(16))})
        payload = '{"title": "走访提醒", "body": "您联系的 3 户需要走访，其中 1 户已逾期。", "url": "/#/households"}'
        jobs = [{**subs[i % len(subs)], "payload": payload} for i in range(n)]

        started = time.perf_counter()
        for j in jobs:
            WebPusher({"endpoint": j["endpoint"], "keys": {"p256dh": j["p256dh"], "auth": j["auth"]}}).encode(
                payload.encode(), "aes128gcm")
            signer.sign({"sub": "mailto:bench@localhost", "aud": f"http://127.0.0.1:{port}",
                         "exp": int(time.time()) + 3600})
        cpu_rate = n / (time.perf_counter() - started)

        opts = {"signer": signer, "subject": "mailto:bench@localhost", "ttl": 3600, "timeout": 10}
        started = time.perf_counter()
        serial = asyncio.run(send_all(jobs[: n // 10], concurrency=1, **opts))  # one at a time
        serial_rate = len(serial) / (time.perf_counter() - started)
        started = time.perf_counter()
        outcomes = asyncio.run(send_all(jobs, concurrency=CONCURRENCY, **opts))  # what the worker does
        pool_rate = n / (time.perf_counter() - started)
        sent = sum(1 for o, _ in outcomes if o == "sent")
        print(f"web push (local push service answering after {RTT_MS} ms): encrypt+sign only {cpu_rate:.0f}/s; "
              f"one-at-a-time sender {serial_rate:.0f}/s; concurrent sender ({CONCURRENCY} in flight) "
              f"{pool_rate:.0f}/s ({sent}/{n} accepted)")
        print(f"          concurrent vs encrypt+sign {pool_rate / cpu_rate:.0%} (target ≥ 40%); "
              f"concurrent vs one-at-a-time {pool_rate / serial_rate:.1f}× (target ≥ 2×)")
    finally:
        server.terminate()


def import_rate(db: Path, rows: int = 100_000) -> None:
    """The households import on the county set: ``rows`` new households spread over 4 000 micro-grids
    (tags on some, a linked member on some), from an XLSX file, then the same file again (every row
    an update in place). Target: under 60 s each."""
    import io

    from openpyxl import Workbook
    from sqlalchemy import func, select

    from server import create_app
    from server.auth.models import User
    from server.excel.households import COLUMNS
    from server.excel.routes import import_file
    from server.extensions import db as sqla
    from server.households.models import Household
    from server.members.models import Member
    from server.org.models import OrgUnit

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{db}", "JWT_SECRET_KEY": SECRET})
    with app.app_context():
        units = sqla.session.execute(select(OrgUnit.id, OrgUnit.name).where(OrgUnit.level == "microgrid")
                                     .order_by(OrgUnit.id).limit(4000)).all()
        member_of = dict(sqla.session.execute(select(Member.org_unit_id, User.username).join(User).where(
            Member.org_unit_id.in_([u.id for u in units]))).all())
        wb = Workbook(write_only=True)
        ws = wb.create_sheet("住户")
        ws.append(list(COLUMNS))
        per_unit = rows // len(units)
        for i in range(rows):
            uid, name = units[i // per_unit % len(units)]
            ws.append([name, f"I-{i:06d}", f"导入路{i // 100}号{i % 100}室", f"住户{i}", f"139{i:08d}", 1 + i % 5,
                       "独居老人" if i % 10 == 0 else "", member_of.get(uid, "") if i % 4 == 0 else ""])
        out = io.BytesIO()
        wb.save(out)
        data = out.getvalue()
        before = sqla.session.scalar(select(func.count()).select_from(Household))
        for label in ("first import (inserts)", "same file again (updates)"):
            started = time.perf_counter()
            result = import_file("households", data, "bench.xlsx", user_id=None, scope_unit_id=None)
            sqla.session.commit()
            took = time.perf_counter() - started
            print(f"households import, {rows} rows ({len(data) / 2**20:.1f} MB XLSX), {label}: {took:.1f} s "
                  f"({rows / took:.0f} rows/s; target < 60 s) {result}", flush=True)
        after = sqla.session.scalar(select(func.count()).select_from(Household))
        assert after - before == rows, (before, after)


if __name__ == "__main__":  # each figure in a process of its own: `python -m bench.inproc NAME [DB]`
    name, *rest = sys.argv[1:]
    {"rule_scan": rule_scan, "push_rates": push_rates, "import_rate": import_rate}[name](*map(Path, rest))
