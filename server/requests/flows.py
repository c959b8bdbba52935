"""The request state machine: one table of transitions, checked in one place.

    submitted ─dispatch→ dispatched ─accept→ in_progress ─resolve→ resolved ─rate→ closed
       (点单)              (派单)    └decline→ submitted │                   (评单)
                                              └escalate→ escalated ─acknowledge→ in_progress (部门报到)
                                                              └hand_back→ in_progress
    resolved ─close_stale→ closed  (unrated after 7 days, by the system)

A member's errand (代办) starts at in_progress, assigned to them.
"""
from dataclasses import dataclass
from enum import StrEnum


class Status(StrEnum):
    SUBMITTED = "submitted"
    DISPATCHED = "dispatched"
    IN_PROGRESS = "in_progress"
    ESCALATED = "escalated"
    RESOLVED = "resolved"
    CLOSED = "closed"


OPEN = (Status.SUBMITTED, Status.DISPATCHED, Status.IN_PROGRESS, Status.ESCALATED)

STATUS_NAMES = {
    Status.SUBMITTED: ("待派单", "submitted"),
    Status.DISPATCHED: ("已派单", "dispatched"),
    Status.IN_PROGRESS: ("办理中", "in progress"),
    Status.ESCALATED: ("已吹哨", "escalated"),
    Status.RESOLVED: ("已办结", "resolved"),
    Status.CLOSED: ("已评价", "closed"),
}

# what each step of a timeline did: action -> (zh-CN, en)
ACTION_NAMES = {"create": ("提交", "filed"), "dispatch": ("派单", "dispatched"), "accept": ("接单", "accepted"),
                "decline": ("退回", "declined"), "escalate": ("吹哨", "escalated"),
                "acknowledge": ("报到", "acknowledged"), "hand_back": ("交回", "handed back"),
                "resolve": ("办结", "resolved"), "rate": ("评价", "rated"), "close_stale": ("超期未评自动关闭", "closed unrated")}


class Actor(StrEnum):
    """How the caller stands to one request (a user may stand in several ways)."""

    MANAGER = "manager"        # admin or secretary whose subtree holds the household
    ASSIGNEE = "assignee"      # the member it is assigned to
    DEPARTMENT = "department"  # staff of the department it is escalated to
    RESIDENT = "resident"      # a resident of the household
    SYSTEM = "system"


@dataclass(frozen=True)
class Transition:
    action: str
    sources: tuple[Status, ...]
    target: Status
    actors: frozenset[Actor]
    note_required: bool = False


def _t(action, sources, target, actors, note_required=False):
    return Transition(action, tuple(sources), target, frozenset(actors), note_required)


TRANSITIONS: dict[str, Transition] = {t.action: t for t in (
    _t("dispatch", [Status.SUBMITTED], Status.DISPATCHED, [Actor.MANAGER]),
    _t("accept", [Status.DISPATCHED], Status.IN_PROGRESS, [Actor.ASSIGNEE]),
    _t("decline", [Status.DISPATCHED], Status.SUBMITTED, [Actor.ASSIGNEE]),
    _t("escalate", [Status.IN_PROGRESS], Status.ESCALATED, [Actor.ASSIGNEE, Actor.MANAGER], note_required=True),
    _t("acknowledge", [Status.ESCALATED], Status.IN_PROGRESS, [Actor.DEPARTMENT]),
    _t("hand_back", [Status.ESCALATED], Status.IN_PROGRESS, [Actor.DEPARTMENT], note_required=True),
    _t("resolve", [Status.IN_PROGRESS], Status.RESOLVED, [Actor.ASSIGNEE, Actor.MANAGER, Actor.DEPARTMENT],
       note_required=True),
    _t("rate", [Status.RESOLVED], Status.CLOSED, [Actor.RESIDENT]),
    _t("close_stale", [Status.RESOLVED], Status.CLOSED, [Actor.SYSTEM]),
)}

# what a user may do through the API (close_stale is the system's own)
API_ACTIONS = tuple(a for a in TRANSITIONS if a != "close_stale")


def allowed_actions(status: str, actors: set[Actor]) -> list[str]:
    """The actions open to these actors in this status (for the app's buttons)."""
    return [t.action for t in TRANSITIONS.values()
            if t.action in API_ACTIONS and status in t.sources and t.actors & actors]
