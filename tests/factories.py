"""factory_boy factories over the real models (persisted with a flush in the test's session)."""
import factory
from factory.alchemy import SQLAlchemyModelFactory

from server.auth.models import User, UserRole
from server.extensions import db
from server.households.models import Household, HouseholdTag
from server.households.services import new_card_code
from server.links.models import LeaderLink, Link
from server.members.models import Member
from server.org.services import create_unit

PASSWORD = "test-pass-123"
_hash_cache: dict = {}


def password_hash() -> str:
    from server.auth.services import hash_password
    if "h" not in _hash_cache:
        _hash_cache["h"] = hash_password(PASSWORD)
    return _hash_cache["h"]


class Base(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "flush"


class UserFactory(Base):
    class Meta:
        model = User

    username = factory.Sequence(lambda n: f"user{n}")
    name = factory.Sequence(lambda n: f"用户{n}")
    phone = factory.Sequence(lambda n: f"139{n:08d}")
    password_hash = factory.LazyFunction(password_hash)

    @factory.post_generation
    def roles(obj, create, extracted, **kwargs):
        obj.role_rows = [UserRole(role=r) for r in (extracted or [])]
        if create:
            db.session.flush()


class MemberFactory(Base):
    class Meta:
        model = Member

    user = factory.SubFactory(UserFactory, roles=["member"],
                              org_unit_id=factory.SelfAttribute("..org_unit_id"))
    org_unit_id = None


class HouseholdFactory(Base):
    class Meta:
        model = Household

    org_unit_id = None
    number = factory.Sequence(lambda n: f"H{n:04d}")
    address = factory.Sequence(lambda n: f"幸福路{n}号")
    head_name = factory.Sequence(lambda n: f"户主{n}")
    phone = factory.Sequence(lambda n: f"138{n:08d}")
    size = 2
    card_code = factory.LazyFunction(new_card_code)

    @factory.post_generation
    def tags(obj, create, extracted, **kwargs):
        obj.tag_rows = [HouseholdTag(tag=t) for t in (extracted or [])]
        if create:
            db.session.flush()


def unit(name, level, parent=None):
    return create_unit(name=name, level=level, parent=parent)


def member(unit_, *, leader=False, username=None, **kw) -> Member:
    roles = ["member", "leader"] if leader else ["member"]
    user_kw = {"roles": roles, "org_unit_id": unit_.id}
    if username:
        user_kw["username"] = username
    return MemberFactory(org_unit_id=unit_.id, user=UserFactory(**user_kw), **kw)


def link(member_, household) -> Link:
    ln = Link(member_id=member_.id, household_id=household.id)
    db.session.add(ln)
    db.session.flush()
    return ln


def lead(leader, member_) -> LeaderLink:
    ln = LeaderLink(leader_id=leader.id, member_id=member_.id)
    db.session.add(ln)
    db.session.flush()
    return ln


def visit(member_, household, *, days_ago: float = 1, kind: str = "regular", notes: str = "走访记录"):
    """A visit written straight to the table (bypassing the 30-day API limit); call refresh_due after."""
    from datetime import timedelta

    from server.common.types import utcnow
    from server.visits.models import Visit

    when = utcnow() - timedelta(days=days_ago)
    v = Visit(household_id=household.id, member_id=member_.id, author_id=member_.user_id, visited_at=when,
              kind=kind, notes=notes, created_at=when, updated_at=when)
    db.session.add(v)
    db.session.flush()
    return v


def request(household, *, created_by, status="submitted", category="service", title="帮忙办理", source="app",
            assignee=None, department=None, days_ago: float = 0.5, due_in_days: float = 7):
    """A request written straight to the table, with its creation row in the timeline."""
    from datetime import timedelta

    from server.common.types import utcnow
    from server.requests.models import Request, RequestEvent

    when = utcnow() - timedelta(days=days_ago)
    r = Request(household_id=household.id, org_unit_id=household.org_unit_id, category=category, title=title,
                source=source, status=status, created_by_id=created_by.id, created_at=when, updated_at=when,
                due_at=when + timedelta(days=due_in_days), assignee_id=assignee.id if assignee else None,
                department_id=department.id if department else None)
    db.session.add(r)
    db.session.flush()
    db.session.add(RequestEvent(request_id=r.id, actor_id=created_by.id, action="create", from_status=None,
                                to_status=status, at=when))
    db.session.flush()
    return r
