"""make bench: the county set in a scratch SQLite database, served by gunicorn, driven by wrk.

Prints requests per second and p50/p95/p99 latency per route beside a bare Flask JSON endpoint
served by the same gunicorn in the same run (the ratio is the figure), then the in-process
figures: the reminder rule scan over the county and Web Push sending rates.
"""
import argparse
import fcntl
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
BIN = Path(sys.executable).parent
LOAD_TOOL = "wrk"  # or "python" (bench/loadgen.py) when wrk cannot be had
SECRET = "bench-secret-not-for-production-0123456789abcdef"


def copy_db(src: Path, dst: Path) -> None:
    """Copy a SQLite database whole: fold its write-ahead log in first (a copy of the main file alone
    misses what the log still holds and reads as malformed)."""
    import sqlite3

    with sqlite3.connect(src) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    for suffix in ("", "-wal", "-shm"):
        Path(str(dst) + suffix).unlink(missing_ok=True)
    shutil.copyfile(src, dst)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def checkpoint(db: Path) -> None:
    """Fold SQLite's write-ahead log into the database file, so that the file alone is the whole set
    (runs copy the file, not its -wal)."""
    con = sqlite3.connect(db)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    for suffix in ("-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)


def build(db: Path, households: int, rebuild: bool) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}", "FLASK_APP": "wsgi"}
    if db.exists() and not rebuild:
        print(f"using {db.relative_to(ROOT)} (--rebuild to make it anew); migrating it to the current schema")
        subprocess.run([BIN / "flask", "db", "upgrade"], env=env, check=True, cwd=ROOT, capture_output=True)
        # an upgrade may leave the dashboards' daily rollups to recompute: do it now, not in a timed request
        subprocess.run([BIN / "flask", "stats", "refresh"], env=env, check=True, cwd=ROOT)
        checkpoint(db)
        return
    for f in db.parent.glob(db.name + "*"):
        f.unlink()
    # Built aside and renamed when complete: an interrupted build is never taken for a finished set.
    building = db.with_name(db.name + ".building")
    env["DATABASE_URL"] = f"sqlite:///{building}"
    print(f"building {db.relative_to(ROOT)} (flask db upgrade + flask seed county --households {households}) …",
          flush=True)
    subprocess.run([BIN / "flask", "db", "upgrade"], env=env, check=True, cwd=ROOT, capture_output=True)
    # requests scale with the county (200 000 for 300 000 households), so small sets build quickly
    subprocess.run([BIN / "flask", "seed", "county", "--households", str(households),
                    "--requests", str(max(1000, households * 2 // 3))], env=env, check=True, cwd=ROOT)
    checkpoint(building)
    building.rename(db)


def prepare(db: Path, n_members: int, n_dispatch: int) -> dict:
    """Tokens (login sessions made directly), ids, and single-use requests to dispatch."""
    os.environ["JWT_SECRET_KEY"] = SECRET
    from sqlalchemy import select

    from server import create_app
    from server.auth.models import User
    from server.auth.services import issue_tokens
    from server.common.types import utcnow
    from server.extensions import db as sqla
    from server.households.models import Household
    from server.links.models import Link
    from server.members.models import Member
    from server.org.models import OrgUnit
    from server.requests.models import Request, RequestEvent

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{db}", "JWT_SECRET_KEY": SECRET})
    out = {}
    with app.app_context(), app.test_request_context():
        def token(username):
            user = sqla.session.scalar(select(User).where(User.username == username))
            return issue_tokens(user=user)["access_token"]

        members = []
        total = sqla.session.scalar(select(sqla.func.count()).select_from(Member))
        step = max(1, total // n_members)
        for i in range(1, min(n_members, total) + 1):
            name = f"bench_m{i * step:05d}"  # spread over the county's grids
            m = sqla.session.scalar(select(Member).join(User).where(User.username == name))
            hh = sqla.session.scalar(select(Link.household_id).where(Link.member_id == m.id, Link.ended_at.is_(None)))
            if hh is not None:
                members.append({"username": name, "member_id": m.id, "household_id": hh, "token": token(name)})
        out["members"] = members
        grid1, grid2 = sqla.session.scalars(select(OrgUnit.id).where(OrgUnit.level == "grid").order_by(OrgUnit.id)
                                            .limit(2)).all()
        community1 = sqla.session.scalar(select(OrgUnit.id).where(OrgUnit.level == "community").order_by(OrgUnit.id))
        county = sqla.session.scalar(select(OrgUnit.id).where(OrgUnit.parent_id.is_(None)))
        out.update(county=county, grid=grid1, grid2=grid2, secretary2=token("bench_sec00002"), community=community1,
                   secretary=token("bench_secretary"),
                   community_admin=token("bench_community_admin"), admin=token("bench_admin"),
                   password=("bench_m00011", "linkage-bench"))
        # requests waiting on grid 1's board, each dispatched once during the run
        sec = sqla.session.scalar(select(User).where(User.username == "bench_secretary"))
        units = [u for u in sqla.session.scalars(select(OrgUnit.id).where(OrgUnit.parent_id == grid1))]
        hhs = sqla.session.scalars(select(Household.id).where(Household.org_unit_id.in_(units))).all()
        assignee = sqla.session.scalar(select(Member.id).where(Member.org_unit_id.in_(units)))
        now = utcnow()
        rows = []
        for i in range(n_dispatch):
            r = Request(household_id=hhs[i % len(hhs)], org_unit_id=units[0], category="service", title="压测诉求",
                        source="walk_in", status="submitted", created_by_id=sec.id, created_at=now, updated_at=now,
                        due_at=now, version=1)
            rows.append(r)
        sqla.session.add_all(rows)
        sqla.session.flush()
        sqla.session.add_all([RequestEvent(request_id=r.id, actor_id=sec.id, action="create", to_status="submitted",
                                           at=now) for r in rows])
        out["dispatch"] = [(r.id, assignee) for r in rows]
        sqla.session.commit()
    return out


def lock_results():
    """One make bench at a time on a machine: two side by side share the two cores (and skew each other)."""
    fh = open(Path(tempfile.gettempdir()) / "linkage-bench.lock", "w")  # machine-wide, whichever checkout
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        print("another make bench is running on this machine; waiting for it to finish …", flush=True)
        fcntl.flock(fh, fcntl.LOCK_EX)
    return fh  # held until the process exits


def ensure_wrk() -> bool:
    """wrk, installed from Debian's packages when missing; False when it cannot be had."""
    if shutil.which("wrk"):
        return True
    if shutil.which("apt-get") and os.geteuid() == 0:
        for cmd in (["apt-get", "install", "-y", "wrk"], ["apt-get", "update"], ["apt-get", "install", "-y", "wrk"]):
            if cmd[1] == "update" and shutil.which("wrk"):
                break
            print(f"wrk is not installed; running: {' '.join(cmd)}", flush=True)
            subprocess.run(cmd, stdout=subprocess.DEVNULL, check=False)
        if shutil.which("wrk"):
            return True
    print("wrk could not be installed: falling back to bench/loadgen.py, a Python load generator in its own\n"
          "process (it costs more CPU per request than wrk on the shared cores, so absolute figures run lower)")
    return False


def run_wrk(base: str, lines: list[str], *, duration: int, connections: int, threads: int = 2) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".tsv", delete=False) as fh:
        fh.write("\n".join(lines) + "\n")
        path = fh.name
    if LOAD_TOOL == "wrk":
        env = {**os.environ, "BENCH_REQUESTS": path, "BENCH_THREADS": str(threads)}
        cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout", "10s",
               "-s", str(ROOT / "bench" / "wrk.lua"), base]
    else:
        env = dict(os.environ)
        cmd = [sys.executable, "-m", "bench.loadgen", "--url", base, "--requests", path, "-c", str(connections),
               "-d", str(duration)]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=ROOT)
    os.unlink(path)
    m = re.search(r"BENCH_JSON (\{.*\})", proc.stdout)
    if not m:
        raise RuntimeError(proc.stdout + proc.stderr)
    r = json.loads(m.group(1))
    r["rps"] = r["requests"] / (r["duration_us"] / 1e6)
    return r


def server_cpu_seconds(master: int) -> float | None:
    """CPU time (user + system) used so far by gunicorn's master and workers, from /proc (Linux).

    Per request it is the figure that other work on a shared machine barely moves, where requests/s
    and latency move a lot: the cost of the route itself."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    try:
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                with open(f"/proc/{entry.name}/stat") as fh:
                    fields = fh.read().rpartition(")")[2].split()
            except OSError:
                continue
            if int(entry.name) == master or int(fields[1]) == master:  # fields[1]: the parent's pid
                total += int(fields[11]) + int(fields[12])  # utime, stime
    except OSError:
        return None
    return total / ticks


def refresh_rollups(db: Path) -> bool:
    """What the push worker does every minute: recompute the dashboard rollup days the writes of
    the runs before changed (else the first dashboard read pays for it). Timed and printed."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}", "JWT_SECRET_KEY": SECRET, "FLASK_APP": "wsgi"}
    started = time.perf_counter()
    out = subprocess.run([BIN / "flask", "stats", "refresh"], env=env, check=True, cwd=ROOT, capture_output=True,
                         text=True).stdout.strip().splitlines()[-1]
    print(f"… the worker's rollup refresh after the writes: {out} ({time.perf_counter() - started:.1f} s)",
          flush=True)
    return True


def serve(db: Path, port: int, workers: int, threads: int):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}", "JWT_SECRET_KEY": SECRET,
           "LOGIN_LIMIT_PER_USERNAME": "100000 per minute", "LOGIN_LIMIT_PER_ADDRESS": "100000 per minute"}
    # --keep-alive 30: wrk holds its 50 connections open between requests; gunicorn's default of 2 s
    # closes them under it and stalls the next run.
    proc = subprocess.Popen([BIN / "gunicorn", "-w", str(workers), "-k", "gthread", "--threads", str(threads),
                             "--keep-alive", "30",
                             "-b", f"127.0.0.1:{port}", "--log-level", "warning", "bench.app:app"],
                            env=env, cwd=ROOT)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("gunicorn did not start")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--households", type=int, default=300_000)
    ap.add_argument("--rebuild", action="store_true")
    ap.add_argument("--duration", type=int, default=10, help="seconds per route")
    ap.add_argument("--connections", type=int, default=50)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--threads", type=int, default=1, help="per worker; more threads only fight over the GIL")
    ap.add_argument("--only", default="", help="comma-separated route names")
    ap.add_argument("--load-tool", choices=("wrk", "python"), default="wrk",
                    help="python: bench/loadgen.py instead of wrk (the fallback when wrk cannot be installed)")
    args = ap.parse_args()
    global LOAD_TOOL
    LOAD_TOOL = "wrk" if args.load_tool == "wrk" and ensure_wrk() else "python"
    RESULTS.mkdir(parents=True, exist_ok=True)
    _lock = lock_results()  # noqa: F841 - held to the end
    for stale in RESULTS.glob("county-*-run*.db*"):  # left by an interrupted run (none runs now: the lock)
        stale.unlink()
    pristine = RESULTS / f"county-{args.households}.db"
    build(pristine, args.households, args.rebuild)
    db = RESULTS / f"county-{args.households}-run-{os.getpid()}.db"
    try:
        run(args, pristine, db)
    finally:
        for f in RESULTS.glob(db.name + "*"):
            f.unlink()


def fresh_copy(pristine: Path, db: Path) -> None:
    """``db`` as the pristine set, without a -wal or -shm of an earlier copy (SQLite would replay it)."""
    for f in db.parent.glob(db.name + "*"):
        f.unlink()
    copy_db(pristine, db)


def run(args, pristine: Path, db: Path) -> None:
    print(f"copying the county set for this run ({pristine.stat().st_size / 2**30:.1f} GiB) …", flush=True)
    fresh_copy(pristine, db)
    print("preparing tokens and requests to dispatch …")
    p = prepare(db, n_members=200, n_dispatch=30_000)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = serve(db, port, args.workers, args.threads)
    ms = p["members"]
    scenarios = [  # name, lines (method, path, token, body), connections, target
        ("baseline GET /bench/baseline", ["GET\t/bench/baseline\t\t"], args.connections, None),
        ("GET /me/households", [f"GET\t/api/v1/me/households\t{m['token']}\t" for m in ms], args.connections,
         "p95 < 25 ms, ≥ 40% of baseline"),
        ("GET /households?org_unit_id=<grid>", [f"GET\t/api/v1/households?org_unit_id={p['grid']}\t{p['secretary']}\t"],
         args.connections, None),
        ("POST /visits", [f"POST\t/api/v1/visits\t{m['token']}\t" + json.dumps({"household_id": m["household_id"]})
                          for m in ms], args.connections, "p95 < 25 ms"),
        ("GET /households?overdue=true (community)",
         [f"GET\t/api/v1/households?overdue=true&org_unit_id={p['community']}\t{p['community_admin']}\t"], 4,
         "< 150 ms"),
        ("GET /households?overdue=true&per_page=1 (county count)",
         [f"GET\t/api/v1/households?overdue=true&per_page=1\t{p['admin']}\t"], 1, "< 1 s"),
        ("POST /requests (errand)", [f"POST\t/api/v1/requests\t{m['token']}\t" + json.dumps(
            {"category": "service", "title": "压测代办", "household_id": m["household_id"]}) for m in ms],
         args.connections, "p95 < 30 ms"),
        ("POST /requests/{id}/dispatch", [f"POST\t/api/v1/requests/{rid}/dispatch\t{p['secretary']}\t" + json.dumps(
            {"assignee_id": aid}) for rid, aid in p["dispatch"]], args.connections, "p95 < 30 ms"),
        ("GET /requests?status=submitted (board)",
         [f"GET\t/api/v1/requests?status=submitted&org_unit_id={p['grid2']}\t{p['secretary2']}\t"], 4, "< 50 ms"),
        ("GET /stats/overview (county)", [f"GET\t/api/v1/stats/overview?org_unit_id={p['county']}\t{p['admin']}\t"],
         1, "< 500 ms"),
        ("GET /stats/overview (grid)", [f"GET\t/api/v1/stats/overview?org_unit_id={p['grid2']}\t{p['secretary2']}\t"],
         1, "< 50 ms"),
        ("GET /stats/members (community)",
         [f"GET\t/api/v1/stats/members?org_unit_id={p['community']}\t{p['community_admin']}\t"], 1, "< 300 ms"),
        # last: argon2 keeps the cores busy for a while after wrk stops. Two connections, one a core:
        # a deliberately slow hash (half a second of CPU) at 50 connections only measures a queue.
        ("POST /auth/login", ["POST\t/api/v1/auth/login\t\t" + json.dumps({"username": m["username"],
                                                                          "password": "linkage-bench"}) for m in ms],
         2, None),
    ]
    only = [s for s in args.only.split(",") if s]
    results = []
    refreshed = False
    try:
        for name, lines, conns, target in scenarios:
            if only and not any(o in name for o in only) and not name.startswith("baseline"):
                continue
            if name.startswith("GET /stats/overview") and not refreshed:
                refreshed = refresh_rollups(db)
            threads = 1 if conns < 2 else 2
            run_wrk(base, lines, duration=2, connections=conns, threads=threads) if "dispatch" not in name else None
            print(f"… {name} ({conns} connections, {args.duration} s)", flush=True)
            cpu = server_cpu_seconds(server.pid)
            r = run_wrk(base, lines, duration=args.duration, connections=conns, threads=threads)
            after = server_cpu_seconds(server.pid)
            r["cpu_ms"] = (after - cpu) * 1000 / r["requests"] if cpu is not None and after and r["requests"] else None
            results.append((name, conns, target, r))
    finally:
        server.terminate()
        server.wait()
    base_rps = results[0][3]["rps"]
    print()
    print(f"{'route':<56} {'conns':>5} {'req/s':>8} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'errors':>6} "
          f"{'vs base':>7} {'cpu ms':>6}  target")
    for name, conns, target, r in results:
        cpu = f"{r['cpu_ms']:>6.2f}" if r.get("cpu_ms") is not None else f"{'':>6}"
        print(f"{name:<56} {conns:>5} {r['rps']:>8.0f} {r['p50'] / 1000:>7.1f} {r['p95'] / 1000:>7.1f} "
              f"{r['p99'] / 1000:>7.1f} {r['status_errors'] + r['socket_errors']:>6} {r['rps'] / base_rps:>7.0%} "
              f"{cpu}  {target or ''}")
    print("cpu ms: the server's CPU time (gunicorn master and workers, user + system) per request of the run")
    print()
    # each in a fresh process: what this one did before (a server, a scan's objects) must not weigh
    # on the next figure
    fresh_copy(pristine, db)  # the scan sees the county as seeded, not the run's extra requests
    inproc = [[sys.executable, "-m", "bench.inproc", "rule_scan", str(db)],
              [sys.executable, "-m", "bench.inproc", "push_rates"]]
    if not only or any(o in "import" for o in only):
        inproc.append([sys.executable, "-m", "bench.inproc", "import_rate", str(db)])
    for cmd in inproc:
        subprocess.run(cmd, check=True, cwd=ROOT)
    if any(r["status_errors"] + r["socket_errors"] for *_, r in results):
        sys.exit(1)


if __name__ == "__main__":
    main()
