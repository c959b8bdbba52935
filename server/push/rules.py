"""Reminder rules. Scans are set-based SQL over the whole county; event rules run inside the
transaction of their cause (a dispatch, a resolution)."""
from datetime import timedelta

from flask import current_app
from sqlalchemy import case, func, select

from server.auth.models import User, UserRole
from server.common.types import utcnow
from server.extensions import db
from server.households.models import Household
from server.links.models import Link
from server.members.models import Member
from server.org.models import OrgClosure
from server.push.models import Reminder
from server.push.services import LOCAL_TZ, _insert_ignore, queue_push, remind
from server.requests.flows import OPEN
from server.requests.models import Request

TEXTS = {
    "visit_due": {
        "zh-CN": ("走访提醒", "您联系的 {due} 户需要走访，其中 {overdue} 户已逾期。"),
        "en": ("Visits due", "{due} of your households are due for a visit, {overdue} overdue."),
    },
    "request_overdue": {
        "zh-CN": ("诉求超期", "「{title}」已超过办理时限。"),
        "en": ("Request past due", "\u201c{title}\u201d is past its due time."),
    },
    "request_dispatched": {
        "zh-CN": ("新派单", "「{title}」已派给您，请及时接单。"),
        "en": ("New request for you", "\u201c{title}\u201d was dispatched to you."),
    },
    "request_answered": {
        "zh-CN": ("诉求已办结", "您的诉求「{title}」已办结，请评价。"),
        "en": ("Your request was answered", "\u201c{title}\u201d was resolved. Please rate it."),
    },
}


def text(rule: str, locale: str | None, **params) -> tuple[str, str]:
    title, body = TEXTS[rule]["en" if locale == "en" else "zh-CN"]
    return title, body.format(**params)


def _day(now) -> str:
    return now.astimezone(LOCAL_TZ).date().isoformat()


def _bulk_remind(rows: list[dict], now) -> int:
    """Insert many reminders (duplicates skipped by the unique key) and queue their pushes."""
    created = 0
    for i in range(0, len(rows), 2000):
        chunk = rows[i:i + 2000]
        inserted = db.session.execute(
            _insert_ignore(Reminder.__table__).returning(Reminder.__table__.c.id, Reminder.__table__.c.user_id,
                                                         Reminder.__table__.c.rule), chunk).all()
        queue_push(reminder_ids_users=[(r[0], r[1], r[2]) for r in inserted], now=now)
        created += len(inserted)
    return created


def scan(now=None) -> dict:
    """Run the scheduled rules once: one visit digest per member per day, overdue requests."""
    now = now or utcnow()
    counts = {"visit_due": scan_visits(now), "request_overdue": scan_requests(now)}
    db.session.commit()
    return counts


def scan_visits(now) -> int:
    """One digest per member and day: how many linked households are due soon or overdue."""
    soon = now + timedelta(days=current_app.config["VISIT_DUE_SOON_DAYS"])
    rows = db.session.execute(
        select(Member.id, User.id, User.locale, func.count(),
               func.sum(case((Household.next_due_at < now, 1), else_=0)))
        .select_from(Link)
        .join(Household, Household.id == Link.household_id)
        .join(Member, Member.id == Link.member_id)
        .join(User, User.id == Member.user_id)
        .where(Link.ended_at.is_(None), Household.archived_at.is_(None), Household.next_due_at < soon,
               Member.is_active.is_(True))
        .group_by(Member.id, User.id, User.locale)).all()
    day = _day(now)
    reminders = []
    for member_id, user_id, locale, due, overdue in rows:
        title, body = text("visit_due", locale, due=due, overdue=overdue or 0)
        reminders.append({"user_id": user_id, "rule": "visit_due", "subject_key": f"member:{member_id}",
                          "period_key": day, "title": title, "body": body, "url": "/#/households",
                          "created_at": now})
    return _bulk_remind(reminders, now)


def scan_requests(now) -> int:
    """Open requests past due: the assignee every day; after a day past due, the grid's secretaries too."""
    day = _day(now)
    reminders = []
    late = db.session.execute(
        select(Request.id, Request.title, User.id, User.locale)
        .join(Member, Member.id == Request.assignee_id).join(User, User.id == Member.user_id)
        .where(Request.status.in_(OPEN), Request.due_at < now)).all()
    for rid, title, user_id, locale in late:
        t, b = text("request_overdue", locale, title=title)
        reminders.append({"user_id": user_id, "rule": "request_overdue", "subject_key": f"request:{rid}",
                          "period_key": day, "title": t, "body": b, "url": f"/#/requests/{rid}", "created_at": now})
    secretaries = db.session.execute(
        select(Request.id, Request.title, User.id, User.locale)
        .join(OrgClosure, OrgClosure.descendant_id == Request.org_unit_id)
        .join(User, User.org_unit_id == OrgClosure.ancestor_id)
        .join(UserRole, (UserRole.user_id == User.id) & (UserRole.role == "secretary"))
        .where(Request.status.in_(OPEN), Request.due_at < now - timedelta(days=1), User.is_active.is_(True))
    ).all()
    for rid, title, user_id, locale in secretaries:
        t, b = text("request_overdue", locale, title=title)
        reminders.append({"user_id": user_id, "rule": "request_overdue", "subject_key": f"request:{rid}",
                          "period_key": day, "title": t, "body": b, "url": f"/#/requests/{rid}", "created_at": now})
    return _bulk_remind(reminders, now)


def on_request_transition(req, action: str) -> None:
    """Event rules: a dispatch reminds the assignee; a resolution reminds the household's residents."""
    if action == "dispatch" and req.assignee_id is not None:
        user = db.session.scalar(select(User).join(Member, Member.user_id == User.id)
                                 .where(Member.id == req.assignee_id))
        title, body = text("request_dispatched", user.locale, title=req.title)
        remind(user_id=user.id, rule="request_dispatched", subject_key=f"request:{req.id}",
               period_key=f"v{req.version}", title=title, body=body, url=f"/#/requests/{req.id}")
    elif action == "resolve":
        for user in db.session.scalars(select(User).join(UserRole).where(
                User.household_id == req.household_id, UserRole.role == "resident", User.is_active.is_(True))):
            title, body = text("request_answered", user.locale, title=req.title)
            remind(user_id=user.id, rule="request_answered", subject_key=f"request:{req.id}",
                   period_key="resolved", title=title, body=body, url=f"/#/requests/{req.id}")
