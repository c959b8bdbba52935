"""/imports and /exports: spreadsheets in and out, scoped like everything else."""
from flask import Response, request
from flask_jwt_extended import current_user
from flask_smorest import Blueprint
from sqlalchemy import select

from server.common.errors import ApiError
from server.common.scoping import get_org_unit_or_404, household_scope, subtree_ids
from server.common.security import auth_required
from server.extensions import db
from server.excel import households as hh_excel
from server.excel.tables import MAX_BYTES, BadFile, read_rows, write_csv, write_xlsx
from server.households.models import Household

blp = Blueprint("excel", __name__, url_prefix="/api/v1", description="Excel import and export (导入导出)")

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _download(body: bytes, filename: str, mimetype: str) -> Response:
    resp = Response(body, mimetype=mimetype)
    resp.headers["Content-Disposition"] = f"attachment; filename={filename}"
    return resp


def import_households(data: bytes, filename: str, *, user_id: int | None, scope_unit_id: int | None,
                      progress=None) -> dict:
    """Read, check every row, and save all or nothing. Raises ApiError(422) listing the bad rows."""
    try:
        header, rows = read_rows(data, filename)
    except BadFile as exc:
        raise ApiError(422, str(exc), errors={"file": [str(exc)]}) from None
    clean, errors = hh_excel.parse(header, rows, scope_unit_id=scope_unit_id)
    if errors:
        raise ApiError(422, "Some rows are not valid; nothing was saved.", errors={"rows": errors})
    return hh_excel.apply(clean, by_user_id=user_id, progress=progress)


@blp.route("/imports/households", methods=["POST"])
@auth_required("admin")
def import_households_route():
    """Import households from an XLSX or CSV file (multipart field ``file``); all rows or none."""
    # uploads may be large here (1 MB elsewhere); a file over 20 MB gets the importer's own clear
    # error, and only a body past twice that is cut off by the server (413)
    request.max_content_length = 2 * MAX_BYTES
    upload = request.files.get("file")
    if upload is None:
        raise ApiError(422, errors={"file": ["Missing data for required field."]})
    result = import_households(upload.read(), upload.filename or "", user_id=current_user.id,
                               scope_unit_id=current_user.org_unit_id)
    db.session.commit()
    return result


@blp.route("/imports/templates/households.xlsx", methods=["GET"])
@auth_required("admin", "secretary")
def households_template():
    """The households template, with one example row."""
    return _download(write_xlsx(list(hh_excel.COLUMNS), hh_excel.template_rows(), "住户"), "households-template.xlsx",
                     XLSX)


@blp.route("/exports/households.<any(xlsx, csv):fmt>", methods=["GET"])
@auth_required("admin", "secretary")
def export_households(fmt):
    """Households I may see (optionally under ``org_unit_id``), with their member and due status."""
    stmt = select(Household).where(Household.archived_at.is_(None), household_scope(current_user))
    unit = request.args.get("org_unit_id", type=int)
    if unit is not None:
        get_org_unit_or_404(current_user, unit)
        stmt = stmt.where(Household.org_unit_id.in_(subtree_ids(unit)))
    rows = hh_excel.export_rows(stmt)
    if fmt == "csv":
        return _download(write_csv(hh_excel.EXPORT_HEADER, rows), "households.csv", "text/csv")
    return _download(write_xlsx(hh_excel.EXPORT_HEADER, rows, "住户"), "households.xlsx", XLSX)
