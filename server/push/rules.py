"""Reminder rules. Scans are set-based SQL over the whole county; event rules run inside the
transaction of their cause (a dispatch, a resolution)."""
from datetime import timedelta

import re

from flask import current_app
from sqlalchemy import String, case, cast, func, literal, select

from server.auth.models import User, UserRole
from server.common.types import utcnow
from server.extensions import db
from server.households.models import Household
from server.links.models import Link
from server.members.models import Member
from server.org.models import OrgClosure
from server.push.models import Reminder
from server.common.types import UTCDateTime
from server.push.models import PushMessage, PushSubscription, UserSettings
from server.push.services import DEFAULTS, LOCAL_TZ, _insert_ignore, deliver_at, queue_push, remind
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


def sql_text(rule: str, part: int, locale_col, **params):
    """SQL for a reminder's title (part 0) or body (part 1) in the user's language: the same
    templates as :func:`text`, with column expressions in place of the ``{name}`` fields."""
    def render(template: str):
        expr = literal("")
        for piece in re.split(r"(\{\w+\})", template):
            if piece.startswith("{") and piece.endswith("}"):
                expr = expr + cast(params[piece[1:-1]], String)
            elif piece:
                expr = expr + literal(piece)
        return expr
    return case((locale_col == "en", render(TEXTS[rule]["en"][part])), else_=render(TEXTS[rule]["zh-CN"][part]))


def _remind_from(select_stmt, now) -> int:
    """INSERT the reminders a SELECT describes (duplicates skipped by the unique key), then queue
    their pushes: set-based for users with the default settings, per user for the rest."""
    cols = ["user_id", "rule", "subject_key", "period_key", "title", "body", "url", "created_at"]
    # RETURNING, not rowcount: PostgreSQL's driver reports no count for INSERT … SELECT … ON CONFLICT
    created = len(db.session.execute(_insert_ignore(Reminder.__table__).from_select(cols, select_stmt)
                                     .returning(Reminder.__table__.c.id)).all())
    if not created:
        return 0
    fresh = (Reminder.created_at == now)
    custom = select(UserSettings.user_id)
    default_at = deliver_at(now, DEFAULTS["quiet_start"], DEFAULTS["quiet_end"])
    db.session.execute(PushMessage.__table__.insert().from_select(
        ["reminder_id", "subscription_id", "status", "attempts", "next_attempt_at", "created_at"],
        select(Reminder.id, PushSubscription.id, literal("pending"), literal(0), literal(default_at, UTCDateTime),
               literal(now, UTCDateTime))
        .join(PushSubscription, PushSubscription.user_id == Reminder.user_id)
        .where(fresh, Reminder.user_id.not_in(custom))))
    own = db.session.execute(select(Reminder.id, Reminder.user_id, Reminder.rule)
                             .where(fresh, Reminder.user_id.in_(custom))).all()
    queue_push(reminder_ids_users=[tuple(r) for r in own], now=now)
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
    # counted per member first, then joined to members and users: 30 000 joins instead of one per
    # household (a sixth of the time on the county set)
    per_member = (select(Link.member_id.label("member_id"), func.count().label("due"),
                         func.sum(case((Household.next_due_at < now, 1), else_=0)).label("overdue"))
                  .join(Household, Household.id == Link.household_id)
                  .where(Link.ended_at.is_(None), Household.archived_at.is_(None), Household.next_due_at < soon)
                  .group_by(Link.member_id).subquery())
    stmt = (select(User.id, literal("visit_due"), literal("member:") + cast(Member.id, String), literal(_day(now)),
                   sql_text("visit_due", 0, User.locale), sql_text("visit_due", 1, User.locale, due=per_member.c.due,
                                                                   overdue=per_member.c.overdue),
                   literal("/#/households"), literal(now, UTCDateTime))
            .select_from(per_member)
            .join(Member, Member.id == per_member.c.member_id)
            .join(User, User.id == Member.user_id)
            .where(Member.is_active.is_(True)))
    return _remind_from(stmt, now)


def scan_requests(now) -> int:
    """Open requests past due: the assignee every day; after a day past due, the grid's secretaries too."""
    def reminder(user_locale):
        return (literal("request_overdue"), literal("request:") + cast(Request.id, String), literal(_day(now)),
                sql_text("request_overdue", 0, user_locale), sql_text("request_overdue", 1, user_locale,
                                                                      title=Request.title),
                literal("/#/requests/") + cast(Request.id, String), literal(now, UTCDateTime))

    to_assignees = (select(User.id, *reminder(User.locale))
                    .join(Member, Member.id == Request.assignee_id).join(User, User.id == Member.user_id)
                    .where(Request.status.in_(OPEN), Request.due_at < now))
    to_secretaries = (select(User.id, *reminder(User.locale))
                      .join(OrgClosure, OrgClosure.descendant_id == Request.org_unit_id)
                      .join(User, User.org_unit_id == OrgClosure.ancestor_id)
                      .join(UserRole, (UserRole.user_id == User.id) & (UserRole.role == "secretary"))
                      .where(Request.status.in_(OPEN), Request.due_at < now - timedelta(days=1),
                             User.is_active.is_(True)))
    return _remind_from(to_assignees, now) + _remind_from(to_secretaries, now)


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
