"""/org-units and /departments."""
from flask_jwt_extended import current_user
from flask_smorest import Blueprint
from sqlalchemy import select

from server.common.errors import ApiError, field_error, not_found
from server.common.scoping import (ancestor_ids, get_org_unit_or_404, manages_unit, org_unit_scope,
                                   subtree_ids)
from server.common.security import auth_required
from server.extensions import db
from server.org import services
from server.org.models import Department, OrgUnit
from server.org.schemas import (DepartmentSchema, OrgUnitCreateSchema, OrgUnitListArgs, OrgUnitSchema,
                                OrgUnitUpdateSchema)

blp = Blueprint("org", __name__, url_prefix="/api/v1", description="Organisation tree (组织架构)")


@blp.route("/org-units", methods=["GET"])
@auth_required()
@blp.arguments(OrgUnitListArgs, location="query")
@blp.response(200, OrgUnitSchema(many=True))
def list_units(args):
    """The visible tree, top down: an admin's or secretary's subtree; everyone's own units above them."""
    stmt = select(OrgUnit).where(org_unit_scope(current_user)).order_by(OrgUnit.depth, OrgUnit.id)
    if "level" in args:
        stmt = stmt.where(OrgUnit.level == args["level"])
    if "parent_id" in args:
        stmt = stmt.where(OrgUnit.parent_id == args["parent_id"])
    if "under" in args:
        stmt = stmt.where(OrgUnit.id.in_(subtree_ids(args["under"])))
    return db.session.scalars(stmt).all()


@blp.route("/org-units/<int:unit_id>", methods=["GET"])
@auth_required()
@blp.response(200, OrgUnitSchema)
def get_unit(unit_id):
    return get_org_unit_or_404(current_user, unit_id)


@blp.route("/org-units", methods=["POST"])
@auth_required("admin")
@blp.arguments(OrgUnitCreateSchema)
@blp.response(201, OrgUnitSchema)
def create_unit(body):
    """Add a unit under one in my subtree (a new root only for an admin of the whole tree)."""
    parent = None
    if body["parent_id"] is not None:
        if not manages_unit(current_user, body["parent_id"]):
            raise field_error("parent_id", "Unknown org unit.")
        parent = db.session.get(OrgUnit, body["parent_id"])
    elif current_user.org_unit_id is not None:
        raise ApiError(403, "The top unit can only be created by an admin of the whole tree.")
    unit = services.create_unit(name=body["name"], level=body["level"], parent=parent)
    db.session.commit()
    return unit


@blp.route("/org-units/<int:unit_id>", methods=["PATCH"])
@auth_required("admin")
@blp.arguments(OrgUnitUpdateSchema)
@blp.response(200, OrgUnitSchema)
def rename_unit(body, unit_id):
    if not manages_unit(current_user, unit_id):
        raise not_found()
    unit = db.session.get(OrgUnit, unit_id)
    unit.name = body["name"].strip()
    db.session.commit()
    return unit


@blp.route("/org-units/<int:unit_id>", methods=["DELETE"])
@auth_required("admin")
@blp.response(204)
def delete_unit(unit_id):
    if not manages_unit(current_user, unit_id) or unit_id == current_user.org_unit_id:
        raise not_found()
    services.delete_unit(unit=db.session.get(OrgUnit, unit_id))
    db.session.commit()


@blp.route("/departments", methods=["GET"])
@auth_required("admin", "secretary", "department")
@blp.response(200, DepartmentSchema(many=True))
def list_departments():
    """Departments serving my part of the tree (those at my units or above them)."""
    conds = []
    if current_user.org_unit_id is not None:
        unit = current_user.org_unit_id
        conds.append(Department.org_unit_id.in_(ancestor_ids(unit)) | Department.org_unit_id.in_(subtree_ids(unit)))
    if current_user.department_id is not None:
        conds.append(Department.id == current_user.department_id)
    stmt = select(Department).order_by(Department.id)
    if current_user.org_unit_id is not None or not current_user.has_role("admin"):
        from sqlalchemy import or_, false
        stmt = stmt.where(or_(*conds) if conds else false())
    return db.session.scalars(stmt).all()


@blp.route("/departments", methods=["POST"])
@auth_required("admin")
@blp.arguments(DepartmentSchema)
@blp.response(201, DepartmentSchema)
def create_department(body):
    if not manages_unit(current_user, body["org_unit_id"]):
        raise field_error("org_unit_id", "Unknown org unit.")
    dept = Department(**body)
    db.session.add(dept)
    db.session.commit()
    return dept
