"""The county-scale data set for benchmarks.

Defaults: one county, 20 streets, 200 communities, 3 000 grids, 12 000 micro-grids,
300 000 households, 30 000 members (one leader per ten), 3 000 secretaries, 10 visits a
household over the last year (~3 million), 200 000 requests with their timelines.
Rows are bulk-inserted with explicit ids (Core executemany; COPY on PostgreSQL), then due dates
are computed by the same SQL the app uses. Known logins (password ``linkage-bench``): ``bench_admin`` (the
county), ``bench_community_admin`` (community 1), ``bench_secretary`` (grid 1),
``bench_m00001`` … (members; member N is in grid (N-1)//10 + 1).
"""
import random
from datetime import datetime, timedelta, timezone

import click
from sqlalchemy import func, select, text

from server.auth.models import User, UserRole
from server.auth.services import hash_password
from server.extensions import db
from server.households.models import Household, HouseholdTag
from server.households.services import CARD_ALPHABET, CARD_LENGTH
from server.links.models import LeaderLink, Link
from server.members.models import Member
from server.org.models import Department, OrgClosure, OrgUnit
from server.requests.models import Request, RequestEvent, ServiceItem
from server.stats import rollup
from server.visits.cadence import refresh_due
from server.visits.models import Visit

BENCH_PASSWORD = "linkage-bench"
STREETS, COMMUNITIES_PER_STREET, GRIDS_PER_COMMUNITY, MICROGRIDS_PER_GRID = 20, 10, 15, 4
MEMBERS_PER_GRID = 10
CHUNK = 20_000
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍红梅鹏飞建国建华志强海燕丹宇浩然欣怡子涵雨轩"
ROADS = ["人民路", "建设路", "和平路", "长江路", "黄海路", "文化路", "新华路", "幸福路", "解放路", "中山路"]
TAG_RATES = [("elderly_alone", 0.06), ("empty_nest", 0.06), ("left_behind_child", 0.03), ("disabled", 0.03),
             ("hardship", 0.05), ("veteran", 0.04)]
CATEGORIES = ["suggestion", "complaint", "wish", "publicity", "service"]


def _insert(model, rows, bar=None):
    """Bulk insert in chunks: Core executemany (portable), or COPY on PostgreSQL, where executemany
    sends one statement a row (3 million visits took two minutes; COPY takes a fraction of that)."""
    table = model.__table__
    copy = db.session.get_bind().dialect.name == "postgresql"
    for i in range(0, len(rows), CHUNK):
        chunk = rows[i:i + CHUNK]
        if copy:
            _copy(table, chunk)
        else:
            db.session.execute(table.insert(), chunk)
        if bar is not None:
            bar.update(len(chunk))


def _copy(table, rows) -> None:
    """``COPY table FROM STDIN`` on the session's connection (same transaction), each value passed
    through its column type's bind processing as an INSERT would."""
    if not rows:
        return
    dialect = db.session.get_bind().dialect
    cols = list(rows[0])
    procs = [table.c[c].type.bind_processor(dialect) for c in cols]
    quote = dialect.identifier_preparer.quote
    cursor = db.session.connection().connection.dbapi_connection.cursor()
    with cursor.copy(f"COPY {quote(table.name)} ({', '.join(quote(c) for c in cols)}) FROM STDIN") as cp:
        for row in rows:
            cp.write_row([p(row[c]) if p else row[c] for c, p in zip(cols, procs)])
    cursor.close()


def seed_county(*, households: int = 300_000, rng_seed: int = 20261122, visits_per_household: int = 10,
                requests: int = 200_000) -> dict:
    # Rows go in with explicit ids, so any earlier row (a unit, an account made by `flask users create-admin`,
    # a household) would clash: refuse up front rather than fail half-way through the load.
    for table in (OrgUnit, User, Household):
        if db.session.scalar(select(func.count()).select_from(table)):
            raise click.ClickException(f"The database already holds data ({table.__tablename__}); "
                                       "seed the county set into an empty database (flask db upgrade on a new one).")
    rng = random.Random(rng_seed)
    now = datetime.now(timezone.utc).replace(microsecond=0)
    registered = now - timedelta(days=400)
    names = [s + "".join(rng.choice(GIVEN) for _ in range(rng.choice([1, 2]))) for s in SURNAMES for _ in range(40)]
    pw = hash_password(BENCH_PASSWORD)
    n_grids = max(1, households // 100)
    per_grid = households // n_grids

    # --- the tree, with its closure table
    units, closure, grids, microgrids = [], [], [], []
    ids = iter(range(1, 10**9))

    def unit(name, level, parent):
        uid = next(ids)
        depth = parent[2] + 1 if parent else 0
        ancestors = (parent[3] if parent else []) + [uid]
        units.append({"id": uid, "name": name, "level": level, "parent_id": parent[0] if parent else None,
                      "depth": depth, "created_at": registered})
        closure.extend({"ancestor_id": a, "descendant_id": uid, "depth": len(ancestors) - 1 - i}
                       for i, a in enumerate(ancestors))
        return (uid, level, depth, ancestors)

    county = unit("示范县委", "county", None)
    communities_n = max(1, n_grids // GRIDS_PER_COMMUNITY)
    streets_n = max(1, min(STREETS, communities_n // COMMUNITIES_PER_STREET or 1))
    streets = [unit(f"第{s + 1}街道党工委", "street", county) for s in range(streets_n)]
    communities = [unit(f"第{c + 1}社区党委", "community", streets[c % streets_n]) for c in range(communities_n)]
    for g in range(n_grids):
        grid = unit(f"第{g + 1}网格党支部", "grid", communities[g % communities_n])
        grids.append(grid)
        microgrids.append([unit(f"第{g + 1}网格第{k + 1}微网格", "microgrid", grid) for k in range(MICROGRIDS_PER_GRID)])
    with click.progressbar(length=len(units) + len(closure), label="组织 org units   ", show_pos=True) as bar:
        _insert(OrgUnit, units, bar)
        _insert(OrgClosure, closure, bar)

    # --- households and tags
    hh_rows, tag_rows, codes = [], [], set()
    hh_by_grid: list[list[int]] = []
    hid = 0
    for g, mgs in enumerate(microgrids):
        mine = []
        for n in range(per_grid):
            hid += 1
            mg = mgs[n % MICROGRIDS_PER_GRID][0]
            code = "".join(rng.choice(CARD_ALPHABET) for _ in range(CARD_LENGTH))
            while code in codes:
                code = "".join(rng.choice(CARD_ALPHABET) for _ in range(CARD_LENGTH))
            codes.add(code)
            hh_rows.append({"id": hid, "org_unit_id": mg, "number": f"{g + 1:04d}-{n + 1:03d}",
                            "address": f"{rng.choice(ROADS)}{rng.randint(1, 300)}号{rng.randint(1, 6)}单元{rng.randint(101, 1802)}室",
                            "head_name": rng.choice(names), "phone": f"1{rng.choice('3578')}{rng.randrange(10**9):09d}",
                            "size": rng.randint(1, 6), "card_code": code, "created_at": registered,
                            "updated_at": registered})
            for tag, rate in TAG_RATES:
                if rng.random() < rate:
                    tag_rows.append({"household_id": hid, "tag": tag})
            mine.append(hid)
        hh_by_grid.append(mine)
    with click.progressbar(length=len(hh_rows) + len(tag_rows), label="住户 households  ", show_pos=True) as bar:
        _insert(Household, hh_rows, bar)
        _insert(HouseholdTag, tag_rows, bar)

    # --- users, members, leaders, secretaries, links
    users, roles, members, links, leader_links = [], [], [], [], []
    uid = 0

    def user(username, name, role_list, **kw):
        nonlocal uid
        uid += 1
        users.append({"id": uid, "username": username, "name": name, "password_hash": pw, "phone": None,
                      "must_change_password": False, "is_active": True, "locale": "zh-CN",
                      "created_at": registered, "org_unit_id": None, "household_id": None, "department_id": None,
                      **kw})
        roles.extend({"user_id": uid, "role": r} for r in role_list)
        return uid

    user("bench_admin", "县委管理员", ["admin"], org_unit_id=county[0])
    user("bench_community_admin", "社区管理员", ["admin"], org_unit_id=communities[0][0])
    mid = 0
    member_of: dict[int, tuple[int, int]] = {}  # household -> (member id, user id)
    for g, grid in enumerate(grids):
        user("bench_secretary" if g == 0 else f"bench_sec{g + 1:05d}", rng.choice(names), ["secretary"],
             org_unit_id=grid[0])
        leader = None
        hhs = hh_by_grid[g]
        for k in range(MEMBERS_PER_GRID):
            mid += 1
            mg = microgrids[g][k % MICROGRIDS_PER_GRID][0]
            u = user(f"bench_m{mid:05d}", rng.choice(names), ["member", "leader"] if k == 0 else ["member"],
                     org_unit_id=mg, phone=f"139{mid:08d}")
            members.append({"id": mid, "user_id": u, "org_unit_id": mg, "is_central_household": k == 1,
                            "is_active": True, "created_at": registered})
            if k == 0:
                leader = mid
            else:
                leader_links.append({"leader_id": leader, "member_id": mid, "started_at": registered})
            share = hhs[k * 10:(k + 1) * 10]
            if g % 20 == 7 and k == MEMBERS_PER_GRID - 1:
                share = []  # a member short: ten households wait to be assigned
            if g % 20 == 13 and k == 0:
                share = hhs[0:12]  # one member over capacity
            if g % 20 == 13 and k == 1:
                share = hhs[12:20]
            for h in share:
                if h not in member_of:
                    links.append({"member_id": mid, "household_id": h, "started_at": registered})
                    member_of[h] = (mid, u)
    # residents: one in ten households, and departments at street level
    for h in range(1, len(hh_rows) + 1, 10):
        user(f"bench_r{h:07d}", rng.choice(names), ["resident"], household_id=h, phone=f"137{h:08d}")
    depts = [{"id": i + 1, "name": f"第{s + 1}街道{d}", "org_unit_id": streets[s][0], "created_at": registered}
             for i, (s, d) in enumerate((s, d) for s in range(streets_n) for d in ("民政办", "城管中队", "社保所"))]
    for d in depts:
        user(f"bench_dept{d['id']:03d}", rng.choice(names), ["department"], department_id=d["id"],
             org_unit_id=d["org_unit_id"])
    total = len(users) + len(roles) + len(members) + len(links) + len(leader_links) + len(depts)
    with click.progressbar(length=total, label="党员 members     ", show_pos=True) as bar:
        _insert(Department, depts, bar)
        _insert(User, users, bar)
        _insert(UserRole, roles, bar)
        _insert(Member, members, bar)
        _insert(Link, links, bar)
        _insert(LeaderLink, leader_links, bar)

    # --- visits over the last year. On SQLite the table's indexes are dropped for the load and built
    # afterwards: building an index from three million rows is much quicker than keeping it sorted
    # through three million inserts in random order (PostgreSQL loads with COPY).
    sqlite = db.session.get_bind().dialect.name == "sqlite"
    visit_indexes = list(Visit.__table__.indexes) if sqlite else []
    for ix in visit_indexes:
        ix.drop(db.session.connection())
    n_visits = 0
    year = 365 * 24 * 3600
    with click.progressbar(length=len(hh_rows) * visits_per_household, label="走访 visits      ", show_pos=True) as bar:
        batch = []
        vid = 0
        for h in range(1, len(hh_rows) + 1):
            who = member_of.get(h)
            if who is None:
                continue
            for _ in range(rng.randint(visits_per_household - 4, visits_per_household + 4)):
                vid += 1
                when = now - timedelta(seconds=rng.randrange(year))
                batch.append({"id": vid, "household_id": h, "member_id": who[0], "author_id": who[1],
                              "visited_at": when, "kind": "night" if rng.random() < 0.15 else "regular",
                              "notes": None, "created_at": when, "updated_at": when})
            if len(batch) >= CHUNK:
                _insert(Visit, batch, bar)
                n_visits += len(batch)
                batch = []
        if batch:
            _insert(Visit, batch, bar)
            n_visits += len(batch)
    for ix in visit_indexes:
        ix.create(db.session.connection())

    # --- requests: most closed, some open in every state
    items = [{"id": i + 1, "name": n, "category": "service", "time_limit_days": d, "is_active": True,
              "created_at": registered} for i, (n, d) in enumerate([("养老资格认证", 3), ("医保续缴", 5), ("低保申请", 15),
                                                                     ("残疾证办理", 20), ("证明开具", 2)])]
    _insert(ServiceItem, items)
    states = ["closed"] * 55 + ["resolved"] * 15 + ["in_progress"] * 12 + ["submitted"] * 8 + ["dispatched"] * 6 \
        + ["escalated"] * 4
    paths = {"submitted": [], "dispatched": ["dispatch"], "in_progress": ["dispatch", "accept"],
             "escalated": ["dispatch", "accept", "escalate"], "resolved": ["dispatch", "accept", "resolve"],
             "closed": ["dispatch", "accept", "resolve", "rate"]}
    targets = {"dispatch": "dispatched", "accept": "in_progress", "escalate": "escalated", "resolve": "resolved",
               "rate": "closed"}
    hh_unit = {r["id"]: r["org_unit_id"] for r in hh_rows}
    with click.progressbar(length=requests, label="诉求 requests    ", show_pos=True) as bar:
        reqs, events = [], []
        eid = 0
        for rid in range(1, requests + 1):
            h = rng.randrange(1, len(hh_rows) + 1)
            who = member_of.get(h)
            state = rng.choice(states) if who else "submitted"
            created = now - timedelta(seconds=rng.randrange(year))
            cat = rng.choice(CATEGORIES)
            step = timedelta(hours=rng.uniform(2, 60))
            path = paths[state]
            created = min(created, now - step * len(path))  # every step of its timeline in the past
            req = {"id": rid, "household_id": h, "org_unit_id": hh_unit[h], "category": cat, "title": "群众诉求",
                   "description": None, "source": "app", "status": state, "assignee_id": who[0] if path else None,
                   "department_id": None, "created_by_id": 1, "created_at": created,
                   "updated_at": created + step * len(path), "due_at": created + timedelta(days=7),
                   "first_response_at": created + step if path else None, "version": len(path) + 1,
                   "resolved_at": created + step * 3 if state in ("resolved", "closed") else None,
                   "closed_at": created + step * 4 if state == "closed" else None,
                   "rating": rng.choice([3, 4, 5, 5, 5]) if state == "closed" else None,
                   "rated_at": created + step * 4 if state == "closed" else None}
            if state == "escalated":
                req["department_id"] = depts[0]["id"]
            reqs.append(req)
            eid += 1
            events.append({"id": eid, "request_id": rid, "actor_id": 1, "action": "create", "from_status": None,
                           "to_status": "submitted", "at": created, "note": None})
            before = "submitted"
            for i, action in enumerate(path, start=1):
                eid += 1
                events.append({"id": eid, "request_id": rid, "actor_id": 1, "action": action, "from_status": before,
                               "to_status": targets[action], "at": created + step * i, "note": None})
                before = targets[action]
            if len(reqs) >= CHUNK:
                _insert(Request, reqs)
                _insert(RequestEvent, events)
                bar.update(len(reqs))
                reqs, events = [], []
        if reqs:
            _insert(Request, reqs)
            _insert(RequestEvent, events)
            bar.update(len(reqs))

    click.echo("计算走访到期 computing due dates …")
    refresh_due(last_visit=True)
    click.echo("统计汇总 daily rollups of the dashboards …")
    rollup.rebuild()
    if db.session.get_bind().dialect.name == "postgresql":
        for table in ("org_units", "households", "users", "members", "links", "leader_links", "departments",
                      "visits", "requests", "request_events", "service_items"):
            db.session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                    f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"))
    db.session.commit()
    summary = {"org_units": len(units), "households": len(hh_rows), "members": len(members), "users": len(users),
               "links": len(links), "visits": n_visits, "requests": requests}
    click.echo(f"County set loaded: {summary}")
    return summary
