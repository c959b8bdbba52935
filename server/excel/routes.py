"""/imports and /exports: spreadsheets in and out, scoped like everything else."""
from flask import Response, current_app, request
from flask_jwt_extended import current_user
from flask_smorest import Blueprint
from sqlalchemy import select

from server.common.errors import ApiError
from server.common.scoping import get_org_unit_or_404, household_scope, request_scope, subtree_ids
from server.common.security import auth_required
from server.extensions import db
from server.excel import households as hh_excel
from server.excel import members, org_units
from server.excel import reports
from server.excel.tables import MAX_BYTES, BadFile, read_rows, write_csv, write_xlsx
from server.households.models import Household
from server.requests.models import Request
from server.stats import services as stats
from server.stats.schemas import StatsArgs
from server.visits.models import Visit
from server.visits.services import period

blp = Blueprint("excel", __name__, url_prefix="/api/v1", description="Excel import and export (导入导出)")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _download(body: bytes, filename: str, mimetype: str) -> Response:
    resp = Response(body, mimetype=mimetype)
    resp.headers["Content-Disposition"] = f"attachment; filename={filename}"
    return resp


IMPORTERS = {"households": hh_excel, "org-units": org_units, "members": members}
SHEET_TITLES = {"households": "住户", "org-units": "组织", "members": "党员"}


def import_file(kind: str, data: bytes, filename: str, *, user_id: int | None, scope_unit_id: int | None,
                progress=None) -> dict:
    """Read, check every row, and save all or nothing. Raises ApiError(422) listing the bad rows."""
    importer = IMPORTERS[kind]
    try:
        header, rows = read_rows(data, filename)
    except BadFile as exc:
        raise ApiError(422, str(exc), errors={"file": [str(exc)]}) from None
    clean, errors = importer.parse(header, rows, scope_unit_id=scope_unit_id)
    if errors:
        raise ApiError(422, "Some rows are not valid; nothing was saved.", errors={"rows": errors})
    return importer.apply(clean, by_user_id=user_id, progress=progress)


@blp.route('/imports/<any("households", "org-units", "members"):kind>', methods=["POST"])
@auth_required("admin")
def import_route(kind):
    """Import households, org units or members from an XLSX or CSV file (multipart field ``file``);
    all rows or none. Re-importing a file updates in place. New members' initial passwords are in
    the answer (``initial_passwords``), once."""
    # uploads may be large here (1 MB elsewhere); a file over 20 MB gets the importer's own clear
    # error, and only a body past twice that is cut off by the server (413)
    request.max_content_length = 2 * MAX_BYTES
    upload = request.files.get("file")
    if upload is None:
        raise ApiError(422, errors={"file": ["Missing data for required field."]})
    result = import_file(kind, upload.read(), upload.filename or "", user_id=current_user.id,
                         scope_unit_id=current_user.org_unit_id)
    db.session.commit()
    return result


@blp.route('/imports/templates/<any("households", "org-units", "members"):kind>.xlsx', methods=["GET"])
@auth_required("admin", "secretary")
def import_template(kind):
    """The template of an import, with example rows."""
    importer = IMPORTERS[kind]
    return _download(write_xlsx(list(importer.COLUMNS), importer.template_rows(), SHEET_TITLES[kind]),
                     f"{kind}-template.xlsx", XLSX)


@blp.route("/exports/households.<any(xlsx, csv):fmt>", methods=["GET"])
@auth_required("admin", "secretary")
def export_households(fmt):
    """Households I may see (optionally under ``org_unit_id``), with their member and due status."""
    stmt = select(Household).where(Household.archived_at.is_(None), household_scope(current_user))
    unit = request.args.get("org_unit_id", type=int)
    if unit is not None:
        get_org_unit_or_404(current_user, unit)
        stmt = stmt.where(Household.org_unit_id.in_(subtree_ids(unit)))
    return _table(fmt, "households", hh_excel.EXPORT_HEADER, hh_excel.export_rows(stmt), "住户")


def _table(fmt: str, name: str, header: list[str], rows, title: str) -> Response:
    if fmt == "csv":
        return _download(write_csv(header, rows), f"{name}.csv", "text/csv")
    return _download(write_xlsx(header, rows, title), f"{name}.xlsx", XLSX)


def _report(fmt: str, name: str, columns, rows, title: str) -> Response:
    """A report whose header is in the caller's language."""
    return _table(fmt, name, reports.header(columns), rows, title)


def _within(stmt, unit_column, args):
    """``stmt`` narrowed to the subtree of ``org_unit_id`` (404 unless visible), and refused when it
    would hold more rows than an export may."""
    if args.get("org_unit_id") is not None:
        get_org_unit_or_404(current_user, args["org_unit_id"])
        stmt = stmt.where(unit_column.in_(subtree_ids(args["org_unit_id"])))
    limit = current_app.config["EXPORT_MAX_ROWS"]
    n = reports.count(stmt)
    if n > limit:
        raise ApiError(422, "The export would hold {rows} rows, more than {max} allowed. Choose a shorter period "
                       "or a smaller unit.", rows=n, max=limit)
    return stmt


@blp.route("/exports/visits.<any(xlsx, csv):fmt>", methods=["GET"])
@auth_required("admin", "secretary", "leader")
@blp.arguments(StatsArgs, location="query")
def export_visits(args, fmt):
    """Visits to households I may see in a period (default this month), optionally under ``org_unit_id``."""
    start, end = period(args)
    stmt = _within(select(Visit).join(Household, Household.id == Visit.household_id)
                   .where(household_scope(current_user), Visit.visited_at >= start, Visit.visited_at <= end),
                   Household.org_unit_id, args)
    return _report(fmt, "visits", reports.VISIT_HEADER, reports.visit_rows(stmt), "走访")


@blp.route("/exports/requests.<any(xlsx, csv):fmt>", methods=["GET"])
@auth_required("admin", "secretary", "leader")
@blp.arguments(StatsArgs, location="query")
def export_requests(args, fmt):
    """Requests I may see filed in a period (default this month), each with its timeline in one cell."""
    start, end = period(args)
    stmt = _within(select(Request).where(request_scope(current_user), Request.created_at >= start,
                                         Request.created_at <= end), Request.org_unit_id, args)
    return _report(fmt, "requests", reports.REQUEST_HEADER, reports.request_rows(stmt), "诉求")


@blp.route("/exports/member-stats.<any(xlsx, csv):fmt>", methods=["GET"])
@auth_required("admin", "secretary")
@blp.arguments(StatsArgs, location="query")
def export_member_stats(args, fmt):
    """The member statistics of ``GET /stats/members`` (vanguard index, ranked) for a unit and period."""
    unit, start, end = stats.unit_and_period(current_user, args)
    items = stats.member_stats(unit=unit, start=start, end=end)
    return _report(fmt, "member-stats", reports.MEMBER_STATS_HEADER, reports.member_stats_rows(items), "党员统计")
