"""/stats: dashboards and the vanguard index (先锋指数)."""
from flask_jwt_extended import current_user
from flask_smorest import Blueprint

from sqlalchemy import select

from server.common.errors import ApiError
from server.common.security import auth_required
from server.common.types import utcnow
from server.extensions import db
from server.org.models import OrgUnit
from server.stats import services
from server.stats.models import VanguardWeight
from server.stats.schemas import MemberStatsPageSchema, OverviewSchema, StatsArgs, WeightsSchema

blp = Blueprint("stats", __name__, url_prefix="/api/v1", description="Dashboards (统计)")


@blp.route("/stats/overview", methods=["GET"])
@auth_required("admin", "secretary")
@blp.arguments(StatsArgs, location="query")
@blp.response(200, OverviewSchema)
def overview(args):
    """Figures for an org unit's subtree over a period (default this month), with its child units."""
    unit, start, end = services.unit_and_period(current_user, args)
    result = services.overview(unit=unit, start=start, end=end)
    db.session.commit()  # the rollup days it recomputed
    return result


@blp.route("/stats/members", methods=["GET"])
@auth_required("admin", "secretary")
@blp.arguments(StatsArgs, location="query")
@blp.response(200, MemberStatsPageSchema)
def members(args):
    """Each member's visits, errands, ratings and vanguard index for a period, ranked, with its parts."""
    unit, start, end = services.unit_and_period(current_user, args)
    return {"items": services.member_stats(unit=unit, start=start, end=end), "weights": services.weights()}


@blp.route("/stats/vanguard-weights", methods=["PUT"])
@auth_required("admin")
@blp.arguments(WeightsSchema)
@blp.response(200, WeightsSchema)
def set_weights(body):
    """Set the weights of the vanguard index's parts (an admin of the whole tree)."""
    if current_user.org_unit_id is not None and db.session.scalar(
            select(OrgUnit.parent_id).where(OrgUnit.id == current_user.org_unit_id)) is not None:
        raise ApiError(403, "Only an admin of the whole tree can change the weights.")
    for part, weight in body["weights"].items():
        row = db.session.get(VanguardWeight, part) or VanguardWeight(part=part)
        row.weight, row.updated_at, row.updated_by_id = weight, utcnow(), current_user.id
        db.session.add(row)
    db.session.commit()
    return {"weights": services.weights()}
