"""Every model, imported in one place so Alembic and the app see the whole schema."""
from server.auth.models import AuthSession, User, UserRole  # noqa: F401
from server.households.models import Household, HouseholdTag  # noqa: F401
from server.links.models import LeaderLink, Link  # noqa: F401
from server.members.models import Member  # noqa: F401
from server.org.models import Department, OrgClosure, OrgUnit  # noqa: F401
from server.common.idempotency import IdempotencyKey  # noqa: F401
from server.visits.models import Visit, VisitConcern, VisitPolicy, VisitRevision  # noqa: F401
from server.requests.models import Request, RequestEvent, ServiceItem  # noqa: F401
from server.push.models import PushMessage, PushSubscription, Reminder, UserSettings  # noqa: F401
from server.stats.models import VanguardWeight  # noqa: F401
