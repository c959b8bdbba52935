"""Org units in from spreadsheets: one row per unit, its parent named by name or path. Rows may
name parents made by earlier rows of the same file. A unit's key is its parent and its name, so
re-importing a file adds only what is new."""
from server.excel.tables import Columns
from server.excel.units import UnitIndex
from server.org.models import LEVEL_NAMES, LEVELS, OrgUnit
from server.org.services import child_level_ok, create_unit
from server.extensions import db

COLUMNS = {"上级": "parent", "名称": "name", "层级": "level"}
REQUIRED = ("名称", "层级")
LEVEL_BY_NAME = ({code: code for code in LEVELS} | {names[0]: code for code, names in LEVEL_NAMES.items()}
                 | {names[1]: code for code, names in LEVEL_NAMES.items()}
                 | {"县": "county", "区": "county", "街道": "street", "乡镇": "street", "镇": "street",
                    "社区": "community", "村": "community", "网格": "grid", "微网格": "microgrid"})


def template_rows() -> list[list]:
    return [["", "城南街道", "街道"], ["城南街道", "幸福社区", "社区"], ["幸福社区", "第一网格", "网格"],
            ["幸福社区/第一网格", "第一微网格", "微网格"]]


def parse(header: list[str], rows: list[list], *, scope_unit_id: int | None) -> tuple[list[dict], list[dict]]:
    errors: list[dict] = []
    columns = Columns(header, COLUMNS, REQUIRED)
    if columns.missing:
        return [], columns.missing
    units = UnitIndex(scope_unit_id)
    clean = []
    for n, raw in enumerate(rows, start=2):
        def cell(col):
            return columns.cell(raw, col)

        def err(col, message):
            errors.append({"row": n, "column": col, "message": message})

        name, level = cell("名称"), LEVEL_BY_NAME.get(cell("层级"))
        name_error = ("Missing data for required field." if not name else
                      "Longer than maximum length 100." if len(name) > 100 else
                      "A unit's name cannot hold a slash." if "/" in name else None)
        if name_error:
            err("名称", name_error)
        if level is None:
            err("层级", "Unknown level." if cell("层级") else "Missing data for required field.")
        parent, parent_text = None, cell("上级")
        if parent_text:
            parent, message = units.resolve(parent_text)
            if message:
                err("上级", message)
                continue
        elif scope_unit_id is not None:
            err("上级", "Only an admin of the whole tree can add a unit at the top.")
            continue
        if name_error or level is None:
            continue
        existing = units.child(parent, name)
        if existing is not None:
            if isinstance(existing, str):
                err("名称", "The same unit appears more than once.")
            elif units.units[existing]["level"] != level:
                err("层级", "This unit exists with another level.")
            else:
                clean.append({"exists": True})  # already there: nothing to do
            continue
        parent_level = units.units[parent]["level"] if parent is not None else None
        if not child_level_ok(parent_level, level):
            err("层级", "A {child} cannot be placed under a {parent}.".replace("{child}", LEVEL_NAMES[level][0])
                .replace("{parent}", LEVEL_NAMES[parent_level or "county"][0]))
            continue
        key = f"row{n}"
        parent_path = units.units[parent]["path"] if parent is not None else ()
        units.add(key, name, level, parent_path + (name,))
        clean.append({"key": key, "name": name, "level": level, "parent": parent})
    return clean, errors


def apply(rows: list[dict], *, by_user_id: int | None = None, progress=None) -> dict:
    made: dict[str, int] = {}
    for r in rows:
        if progress:
            progress(1)
        if r.get("exists"):
            continue
        parent_id = made.get(r["parent"], r["parent"])
        parent = db.session.get(OrgUnit, parent_id) if parent_id is not None else None
        made[r["key"]] = create_unit(name=r["name"], level=r["level"], parent=parent).id
    return {"created": len(made), "unchanged": len(rows) - len(made)}
