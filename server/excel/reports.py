"""Reports out to spreadsheets: visits and requests of a period (timelines flattened into one
cell) and the member statistics with the vanguard index. Headers and coded values in the caller's
language (zh-CN first); the rows are chosen by the same scoped queries as the API's lists."""
from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from server.auth.models import User
from server.common.i18n import current_locale
from server.extensions import db
from server.households.models import Household
from server.members.models import Member
from server.org.models import Department, OrgUnit
from server.requests.flows import ACTION_NAMES, STATUS_NAMES
from server.requests.models import CATEGORIES, SOURCES, Request, RequestEvent, ServiceItem
from server.visits.models import CONCERNS, KINDS, Visit, VisitConcern
from server.visits.schemas import LOCAL_TZ

VISIT_HEADER = [("走访时间", "visited at"), ("类型", "kind"), ("微网格", "micro-grid"), ("户号", "number"),
                ("地址", "address"), ("户主", "head of household"), ("走访党员", "member"),
                ("发现问题", "concerns"), ("民情日志", "notes")]
REQUEST_HEADER = [("编号", "id"), ("提交时间", "created at"), ("类别", "category"), ("标题", "title"),
                  ("内容", "description"), ("来源", "source"), ("12345 工单号", "hotline ticket"),
                  ("状态", "status"), ("微网格", "micro-grid"), ("户号", "number"), ("户主", "head of household"),
                  ("服务事项", "service item"), ("承办党员", "assignee"), ("部门", "department"),
                  ("办理期限", "due"), ("首次响应", "first response"), ("办结时间", "resolved at"),
                  ("按时办结", "on time"), ("评分", "rating"), ("评价", "rating comment"), ("办理过程", "timeline")]
MEMBER_STATS_HEADER = [("排名", "rank"), ("党员", "member"), ("所在单位", "unit"), ("联系户数", "households"),
                       ("走访", "visits"), ("夜访", "night visits"), ("办结代办", "errands resolved"),
                       ("按时办结率", "on-time share"), ("平均评分", "average rating"), ("逾期户", "households overdue"),
                       ("先锋指数", "vanguard index")]
YES_NO = (("是", "yes"), ("否", "no"))
CHUNK = 2000  # ids per IN (...) when loading concerns and timelines


def _lang() -> int:
    """Which of a (zh-CN, en) pair to write."""
    return 0 if current_locale() == "zh-CN" else 1


def header(columns) -> list[str]:
    idx = _lang()
    return [c[idx] for c in columns]


def _name(table: dict, code, idx: int) -> str:
    return table[code][idx] if code in table else (code or "")


def _time(ts) -> str:
    return ts.astimezone(LOCAL_TZ).strftime("%Y-%m-%d %H:%M") if ts else ""


def _by_id(stmt_for_ids, ids: list[int]) -> dict[int, list]:
    """Rows of ``stmt_for_ids(chunk)`` grouped by their first column, for ids in chunks."""
    out: dict[int, list] = {}
    for i in range(0, len(ids), CHUNK):
        for row in db.session.execute(stmt_for_ids(ids[i:i + CHUNK])):
            out.setdefault(row[0], []).append(row[1:])
    return out


def visit_rows(stmt):
    """Rows for the visits ``stmt`` (a ``select(Visit)`` joined to Household) selects, oldest first."""
    idx = _lang()
    q = (stmt.with_only_columns(Visit.id, Visit.visited_at, Visit.kind, OrgUnit.name, Household.number,
                                Household.address, Household.head_name, User.name, Visit.notes)
         .join(OrgUnit, OrgUnit.id == Household.org_unit_id)
         .outerjoin(Member, Member.id == Visit.member_id).outerjoin(User, User.id == Member.user_id)
         .order_by(Visit.visited_at, Visit.id))
    rows = db.session.execute(q).all()
    concerns = _by_id(lambda ids: select(VisitConcern.visit_id, VisitConcern.category, VisitConcern.note)
                      .where(VisitConcern.visit_id.in_(ids)).order_by(VisitConcern.visit_id, VisitConcern.id),
                      [r[0] for r in rows])
    for r in rows:
        found = "；".join(_name(CONCERNS, c, idx) + (f"：{note}" if note else "") for c, note in concerns.get(r[0], []))
        yield [_time(r[1]), _name(KINDS, r[2], idx), r[3], r[4], r[5], r[6], r[7] or "", found, r[8] or ""]


def request_rows(stmt):
    """Rows for the requests ``stmt`` (a ``select(Request)``) selects, oldest first, each with its
    whole timeline in one cell: one line per step (time, who, what, from → to, note)."""
    idx = _lang()
    assignee = aliased(User)
    q = (stmt.with_only_columns(Request.id, Request.created_at, Request.category, Request.title, Request.description,
                                Request.source, Request.external_ref, Request.status, OrgUnit.name, Household.number,
                                Household.head_name, ServiceItem.name, assignee.name, Department.name, Request.due_at,
                                Request.first_response_at, Request.resolved_at, Request.rating, Request.rating_comment)
         .join(Household, Household.id == Request.household_id).join(OrgUnit, OrgUnit.id == Request.org_unit_id)
         .outerjoin(ServiceItem, ServiceItem.id == Request.service_item_id)
         .outerjoin(Member, Member.id == Request.assignee_id).outerjoin(assignee, assignee.id == Member.user_id)
         .outerjoin(Department, Department.id == Request.department_id)
         .order_by(Request.created_at, Request.id))
    rows = db.session.execute(q).all()
    events = _by_id(lambda ids: select(RequestEvent.request_id, RequestEvent.at, User.name, RequestEvent.action,
                                       RequestEvent.from_status, RequestEvent.to_status, RequestEvent.note)
                    .outerjoin(User, User.id == RequestEvent.actor_id).where(RequestEvent.request_id.in_(ids))
                    .order_by(RequestEvent.request_id, RequestEvent.id), [r[0] for r in rows])
    system = "系统" if idx == 0 else "system"
    for r in rows:
        steps = []
        for at, who, action, before, after, note in events.get(r[0], []):
            move = (f"{_name(STATUS_NAMES, before, idx)} → " if before else "") + _name(STATUS_NAMES, after, idx)
            steps.append(f"{_time(at)} {who or system} {_name(ACTION_NAMES, action, idx)}（{move}）"
                         + (f"：{note}" if note else ""))
        on_time = "" if r[16] is None else YES_NO[0 if r[16] <= r[14] else 1][idx]
        yield [r[0], _time(r[1]), _name(CATEGORIES, r[2], idx), r[3], r[4] or "", _name(SOURCES, r[5], idx),
               r[6] or "", _name(STATUS_NAMES, r[7], idx), r[8], r[9], r[10], r[11] or "", r[12] or "", r[13] or "",
               _time(r[14]), _time(r[15]), _time(r[16]), on_time, r[17] if r[17] is not None else "",
               r[18] or "", "\n".join(steps)]


def member_stats_rows(items: list[dict]):
    """Rows for ``stats.services.member_stats`` (ranked), with each member's unit by name."""
    units = dict(db.session.execute(select(OrgUnit.id, OrgUnit.name).where(
        OrgUnit.id.in_({i["org_unit_id"] for i in items}))).all()) if items else {}
    for i in items:
        yield [i["rank"], i["name"], units.get(i["org_unit_id"], ""), i["households"], i["visits"], i["night_visits"],
               i["errands_resolved"], "" if i["on_time_share"] is None else f"{i['on_time_share']:.0%}",
               "" if i["average_rating"] is None else i["average_rating"], i["households_overdue"],
               i["vanguard_index"]]


def count(stmt) -> int:
    return db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
