"""The demo community: one street, one community, 4 grids, 16 micro-grids,
~80 members, ~800 households, departments and bound residents.

Deterministic: a fixed random seed gives the same names, addresses, tags and
card codes every time. Every demo account's password is ``linkage-demo``.
"""
import random
from datetime import date, datetime, timedelta, timezone

import click
from faker import Faker
from sqlalchemy import select

from server.auth.models import User, UserRole
from server.auth.services import hash_password
from server.extensions import db
from server.households.models import Household, HouseholdTag
from server.households.services import CARD_ALPHABET, CARD_LENGTH
from server.links.models import LeaderLink, Link
from server.members.models import Member
from server.org.models import Department, OrgClosure
from server.requests.models import RequestEvent, ServiceItem
from server.requests.services import create_request, transition
from server.org.services import create_unit
from server.stats import rollup
from server.visits.cadence import refresh_due
from server.visits.models import Visit, VisitConcern

DEMO_PASSWORD = "linkage-demo"
SEED = 2026

DEMO_LOGINS = [
    ("demo_admin", "admin", "社区党委管理员 / community admin"),
    ("demo_secretary", "secretary", "第一网格党支部书记 / grid branch secretary"),
    ("demo_leader", "leader", "党小组长 / group leader"),
    ("demo_member", "member", "党员，联系 10 户 / member with 10 households"),
    ("demo_member2", "member", "党员 / another member"),
    ("demo_department", "department", "街道民政办 / civil affairs office"),
    ("demo_resident", "resident", "居民，已绑定 demo_member 联系的一户 / resident"),
]

GRID_NAMES = ["第一网格", "第二网格", "第三网格", "第四网格"]
DEPARTMENTS = [("民政办", "0513-88110001"), ("社会保障所", "0513-88110002"), ("城管中队", "0513-88110003"),
               ("司法所", "0513-88110004"), ("卫生健康办", "0513-88110005"), ("住房和城乡建设办", "0513-88110006")]
ROADS = ["幸福路", "人民路", "建设路", "和平路", "长江路", "黄海路", "文化路", "新华路"]
VISIT_NOTES = [
    "老人身体状况良好，叮嘱按时服药。", "了解家庭近况，子女在外务工。", "反映楼道灯不亮，已记录。",
    "询问医保续缴事宜，已解释办理流程。", "帮助联系社区卫生服务站上门体检。", "家中有学生，询问暑期托管。",
    "反映小区停车难问题。", "邻里关系融洽，无特殊诉求。", "宣传防诈骗知识，发放宣传册。",
    "了解就业意向，推荐社区招聘会。", "反映下水道堵塞，联系物业处理。", "夜访了解社区治安情况。",
]
CONCERN_POOL = [("medical", "需要定期体检"), ("employment", "家人待业"), ("environment", "楼道堆物"),
                ("elderly_care", "需要助餐服务"), ("housing", "房屋漏水"), ("dispute", "邻里噪音纠纷"),
                ("social_security", "医保续缴")]
SERVICE_ITEMS = [  # (name, category, time limit in days) — a community's 便民服务事项清单
    ("养老资格认证", "service", 3), ("城乡居民医保续缴", "service", 5), ("最低生活保障申请", "service", 15),
    ("残疾人证办理", "service", 20), ("各类证明开具", "service", 2), ("高龄津贴申领", "service", 10),
    ("居住证办理", "service", 7), ("临时救助申请", "service", 7), ("失业登记", "service", 5),
    ("就业岗位推荐", "service", 10), ("老年人优待证办理", "service", 5), ("社保卡补办", "service", 7),
    ("困难家庭子女助学申请", "service", 15), ("法律援助咨询", "service", 5), ("独生子女父母奖励申领", "service", 10),
    ("居家养老助餐服务", "service", 5), ("房屋漏水维修协调", "complaint", 10), ("环境卫生整治", "complaint", 5),
    ("邻里纠纷调解", "complaint", 7), ("微心愿认领", "wish", 30), ("政策宣传上门", "publicity", 10),
    ("意见建议征集", "suggestion", 15),
]
REQUEST_SAMPLES = [  # (category, title, description)
    ("complaint", "楼道灯不亮", "三单元二楼到四楼的楼道灯坏了一个多星期，老人晚上上下楼不安全。"),
    ("complaint", "小区垃圾清运不及时", "东门垃圾桶经常满溢，夏天气味很大。"),
    ("suggestion", "建议增设电动车充电桩", "小区电动车多，飞线充电有安全隐患，建议统一建设充电桩。"),
    ("wish", "希望有人陪老人去医院复查", "子女在外地，老人下周需要去人民医院复查。"),
    ("wish", "孩子想要一套课外书", "留守儿童，喜欢看书，希望能有一套科普读物。"),
    ("service", "帮忙办理养老资格认证", "老人腿脚不便，无法到社区办理。"),
    ("service", "医保续缴咨询", "不清楚今年医保缴费标准和截止时间。"),
    ("publicity", "希望上门讲解防诈骗知识", "最近接到可疑电话，家里老人容易上当。"),
    ("service", "申请居家养老助餐", "独居，做饭困难，希望享受助餐服务。"),
    ("complaint", "楼上漏水", "卫生间天花板渗水，和楼上沟通未果。"),
]
HOUSEHOLDS_PER_MICROGRID = 50
MEMBERS_PER_MICROGRID = 5  # one of them the group leader


def print_logins() -> None:
    click.echo("")
    click.echo("演示账号 Demo logins (password / 密码: %s)" % DEMO_PASSWORD)
    for username, role, what in DEMO_LOGINS:
        click.echo(f"  {username:<16} {role:<11} {what}")
    click.echo("")


def seed_demo(*, progress: bool = True) -> None:
    if db.session.scalar(select(User.id).where(User.username == "demo_admin")) is not None:
        click.echo("Demo data already loaded. 演示数据已存在。")
        print_logins()
        return

    rng = random.Random(SEED)
    fake = Faker("zh_CN")
    fake.seed_instance(SEED)
    pw = hash_password(DEMO_PASSWORD)  # one hash for every demo account: seeding stays fast

    def card_code() -> str:
        return "".join(rng.choice(CARD_ALPHABET) for _ in range(CARD_LENGTH))

    def phone() -> str:
        return "1" + rng.choice("3578") + "".join(rng.choice("0123456789") for _ in range(9))

    def user(username, name, roles, **kw) -> User:
        u = User(username=username, name=name, password_hash=pw, phone=kw.pop("phone", None) or phone(),
                 role_rows=[UserRole(role=r) for r in roles], **kw)
        db.session.add(u)
        return u

    street = create_unit(name="城南街道党工委", level="street", parent=None)
    community = create_unit(name="幸福社区党委", level="community", parent=street)
    grids, microgrids = [], []
    for gname in GRID_NAMES:
        grid = create_unit(name=f"{gname}党支部", level="grid", parent=community)
        grids.append(grid)
        for k in range(1, 5):
            microgrids.append(create_unit(name=f"{gname}第{k}微网格党小组", level="microgrid", parent=grid))

    user("demo_admin", "周建华", ["admin"], org_unit_id=community.id)
    for i, grid in enumerate(grids):
        username = "demo_secretary" if i == 0 else f"secretary{i + 1}"
        user(username, fake.name(), ["secretary"], org_unit_id=grid.id)

    depts = []
    for name, tel in DEPARTMENTS:
        d = Department(name=f"城南街道{name}", org_unit_id=street.id, phone=tel)
        db.session.add(d)
        depts.append(d)
    db.session.flush()
    user("demo_department", "钱芳", ["department"], department_id=depts[0].id, org_unit_id=street.id)
    for i, d in enumerate(depts[1:], start=2):
        user(f"department{i}", fake.name(), ["department"], department_id=d.id, org_unit_id=street.id)

    # households
    households_by_mg: dict[int, list[Household]] = {}
    bar = click.progressbar(microgrids, label="住户 households", show_pos=True) if progress else None
    iterator = bar.__enter__() if bar else microgrids
    building = 0
    for mg_index, mg in enumerate(iterator):
        road = ROADS[mg_index % len(ROADS)]
        rows = []
        for n in range(HOUSEHOLDS_PER_MICROGRID):
            if n % 12 == 0:
                building += 1
            unit_no, room = n % 12 // 6 + 1, 100 * (n % 6 // 2 + 1) + n % 2 + 1
            tags = set()
            r = rng.random()
            if r < 0.08:
                tags.add("elderly_alone")
            elif r < 0.14:
                tags.add("empty_nest")
            if rng.random() < 0.05:
                tags.add("left_behind_child")
            if rng.random() < 0.05:
                tags.add("disabled")
            if rng.random() < 0.07:
                tags.add("hardship")
            if rng.random() < 0.06:
                tags.add("veteran")
            hh = Household(org_unit_id=mg.id, number=f"{mg_index + 1:02d}-{n + 1:03d}",
                           address=f"城南街道{road}{building}号楼{unit_no}单元{room}室",
                           head_name=fake.name(), phone=phone(), size=rng.choice([1, 2, 2, 3, 3, 3, 4, 4, 5]),
                           card_code=card_code(), tag_rows=[HouseholdTag(tag=t) for t in sorted(tags)])
            if "elderly_alone" in tags:
                hh.size = 1
            rows.append(hh)
        db.session.add_all(rows)
        households_by_mg[mg.id] = rows
    if bar:
        bar.__exit__(None, None, None)
    db.session.flush()

    # members, leaders and links
    start = date(2024, 3, 1)
    demo_member_households: list[Household] = []
    for mg_index, mg in enumerate(microgrids):
        hhs = households_by_mg[mg.id]
        members = []
        for k in range(MEMBERS_PER_MICROGRID):
            is_leader = k == 0
            if mg_index == 0 and k == 0:
                username, name = "demo_leader", "李明"
            elif mg_index == 0 and k == 1:
                username, name = "demo_member", "王小红"
            elif mg_index == 1 and k == 1:
                username, name = "demo_member2", "张伟"
            else:
                username, name = f"member{mg_index + 1:02d}{k + 1}", fake.name()
            roles = ["member", "leader"] if is_leader else ["member"]
            u = user(username, name, roles, org_unit_id=mg.id)
            m = Member(user=u, org_unit_id=mg.id, is_central_household=(k == 2),
                       joined_party_on=start - timedelta(days=rng.randint(365, 365 * 30)))
            db.session.add(m)
            members.append(m)
        db.session.flush()
        leader, others = members[0], members[1:]
        for m in others:
            db.session.add(LeaderLink(leader_id=leader.id, member_id=m.id))
        # 4 members × 10 households; the 10 left are unlinked, except in micro-grid 3 where
        # one member takes 12 (over capacity, for the secretary's list).
        for j, m in enumerate(others):
            share = hhs[j * 10:(j + 1) * 10]
            if mg_index == 2 and j == 0:
                share = share + hhs[40:42]
            for hh in share:
                db.session.add(Link(member_id=m.id, household_id=hh.id))
            if mg_index == 0 and j == 0:
                demo_member_households = share
    db.session.flush()

    # demo_member: exactly one of their households is elderly_alone
    for i, hh in enumerate(demo_member_households):
        wanted = {"elderly_alone"} if i == 2 else {t for t in hh.tags if t != "elderly_alone"}
        hh.tag_rows = [t for t in hh.tag_rows if t.tag in wanted] + [
            HouseholdTag(tag=t) for t in sorted(wanted - set(hh.tags))]
        if i == 2:
            hh.size = 1

    # visits over the last ~50 days: most households recently, some overdue
    now = datetime.now(timezone.utc)
    links = db.session.execute(select(Link.member_id, Link.household_id, Member.user_id)
                               .join(Member, Member.id == Link.member_id).order_by(Link.id)).all()
    demo_ids = {hh.id: i for i, hh in enumerate(demo_member_households)}
    # demo_member's households: days since the last visit, chosen to show every state
    demo_last = [3, 12, 9, 25, 40, 1, 28, 6, 33, 15]
    visits = []
    for member_id, household_id, user_id in links:
        if household_id in demo_ids:
            ages = [demo_last[demo_ids[household_id]] + 0.3]
            ages += [ages[0] + rng.randint(15, 30)] if rng.random() < 0.6 else []
        else:
            ages = sorted(rng.uniform(0.2, 50) for _ in range(rng.choice([0, 1, 1, 2, 2, 3])))
        for age in ages:
            when = now - timedelta(days=age)
            v = Visit(household_id=household_id, member_id=member_id, author_id=user_id, visited_at=when,
                      kind="night" if rng.random() < 0.2 else "regular", notes=rng.choice(VISIT_NOTES),
                      created_at=when, updated_at=when)
            if rng.random() < 0.3:
                cat, note = rng.choice(CONCERN_POOL)
                v.concern_rows = [VisitConcern(category=cat, note=note)]
            visits.append(v)
    db.session.add_all(visits)
    db.session.flush()
    refresh_due(last_visit=True)

    # residents: demo_resident in one of demo_member's households, plus some others
    resident_home = demo_member_households[0]
    user("demo_resident", resident_home.head_name, ["resident"], household_id=resident_home.id,
         phone=resident_home.phone)
    all_households = [hh for mg in microgrids for hh in households_by_mg[mg.id]]
    for i, hh in enumerate(rng.sample(all_households[10:], 40)):
        user(f"resident{i + 1:02d}", hh.head_name, ["resident"], household_id=hh.id, phone=hh.phone)

    db.session.flush()
    n_requests = _seed_requests(rng, grids, demo_member_households)
    rollup.rebuild()
    db.session.commit()
    n_hh = sum(len(v) for v in households_by_mg.values())
    click.echo(f"Demo loaded: {len(microgrids)} micro-grids, {len(microgrids) * MEMBERS_PER_MICROGRID} members, "
               f"{n_hh} households, {len(visits)} visits, {n_requests} requests. 演示数据已载入。")
    print_logins()


def _seed_requests(rng: random.Random, grids, demo_member_households) -> int:
    """The service catalogue and requests in every state, moved through the real state machine
    (so every timeline is one the app could have written), then spread back over the last weeks."""

    items = [ServiceItem(name=n, category=c, time_limit_days=d) for n, c, d in SERVICE_ITEMS]
    db.session.add_all(items)
    db.session.flush()
    by_name = {i.name: i for i in items}

    secretaries = {u.org_unit_id: u for u in db.session.scalars(
        select(User).join(UserRole).where(UserRole.role == "secretary"))}
    grid_of = {}
    for grid in grids:
        for unit in db.session.scalars(select(OrgClosure.descendant_id).where(OrgClosure.ancestor_id == grid.id)):
            grid_of[unit] = grid.id
    residents = db.session.scalars(select(User).join(UserRole).where(UserRole.role == "resident")
                                   .order_by(User.id)).all()
    department = db.session.scalar(select(User).where(User.username == "demo_department"))
    member_of = dict(db.session.execute(select(Link.household_id, Member.id).join(Member, Member.id == Link.member_id)
                                        .where(Link.ended_at.is_(None))).all())
    members = {m.id: m for m in db.session.scalars(select(Member))}

    paths = {  # status wanted -> actions from "submitted"
        "submitted": [], "dispatched": ["dispatch"], "in_progress": ["dispatch", "accept"],
        "escalated": ["dispatch", "accept", "escalate"], "resolved": ["dispatch", "accept", "resolve"],
        "closed": ["dispatch", "accept", "resolve", "rate"],
    }
    plan = []
    demo_home = demo_member_households[0].id
    plan += [(r, st) for r, st in ((next(u for u in residents if u.household_id == demo_home), s)
                                  for s in ("resolved", "in_progress", "closed"))]
    plan += [(u, rng.choice(list(paths))) for u in residents if u.household_id != demo_home]
    n = 0
    now = datetime.now(timezone.utc)
    for resident, wanted in plan:
        household = db.session.get(Household, resident.household_id)
        cat, title, desc = rng.choice(REQUEST_SAMPLES)
        item = by_name["养老资格认证"] if "养老资格认证" in title else None
        req, _ = create_request(user=resident, category=cat, title=title, description=desc,
                                household_id=household.id, service_item_id=item.id if item else None,
                                source="app", external_ref=None)
        secretary = secretaries[grid_of[household.org_unit_id]]
        assignee = members.get(member_of.get(household.id))
        for action in paths[wanted]:
            if assignee is None and action != "dispatch":
                break
            if action == "dispatch":
                if assignee is None:
                    break
                transition(req=req, action=action, user=secretary, assignee_id=assignee.id, note="请尽快联系居民")
            elif action == "accept":
                transition(req=req, action=action, user=assignee.user)
            elif action == "escalate":
                transition(req=req, action=action, user=assignee.user, department_id=department.department_id,
                           note="需要民政办协调解决")
            elif action == "resolve":
                transition(req=req, action=action, user=assignee.user, note="已上门办理完毕，居民表示满意")
            elif action == "rate":
                transition(req=req, action=action, user=resident, score=rng.choice([4, 5, 5, 5, 3]),
                           comment="党员办事很及时")
        _backdate(req, now, days_ago=rng.uniform(0.5, 12) if wanted != "resolved" else rng.uniform(1, 4))
        n += 1

    # demo_member's own errands (代办) and a dispatched one waiting for them
    demo_member = db.session.scalar(select(Member).join(User).where(User.username == "demo_member"))
    hh = demo_member_households[3]
    create_request(user=demo_member.user, category="service", title="代办医保续缴",
                   description="户主年纪大，由联系党员代为办理。", household_id=hh.id,
                   service_item_id=by_name["城乡居民医保续缴"].id, source="member", external_ref=None)
    hh2 = demo_member_households[5]
    req, _ = create_request(user=secretaries[grids[0].id], category="complaint", title="楼道堆放杂物",
                            description="12345 热线转来：楼道堆物影响消防通道。", household_id=hh2.id,
                            service_item_id=None, source="hotline", external_ref="12345-DEMO-0001")
    transition(req=req, action="dispatch", user=secretaries[grids[0].id], assignee_id=demo_member.id,
               note="请核实并劝导清理")
    db.session.flush()
    return n + 2


def _backdate(req, now, *, days_ago: float) -> None:
    """Spread a seeded request's timeline over the past ``days_ago`` days."""
    db.session.flush()
    events = db.session.scalars(select(RequestEvent).where(RequestEvent.request_id == req.id)
                                .order_by(RequestEvent.id)).all()
    start = now - timedelta(days=days_ago)
    step = timedelta(days=days_ago) / (len(events) + 1)
    shift = req.created_at - start
    for i, event in enumerate(events):
        event.at = start + step * i
    req.created_at, req.due_at = start, req.due_at - shift
    req.updated_at = events[-1].at
    for field in ("first_response_at", "resolved_at", "rated_at", "closed_at"):
        if getattr(req, field) is not None:
            setattr(req, field, events[-1].at if field != "first_response_at" else events[min(1, len(events) - 1)].at)
