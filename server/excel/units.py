"""Naming org units in a spreadsheet: a unit's name, or a path of names ("幸福社区/第一网格") when
the name alone is not unique. Only units in the importer's subtree can be named."""
from sqlalchemy import select

from server.extensions import db
from server.org.models import OrgClosure, OrgUnit


class UnitIndex:
    """Every unit of a subtree (or of the whole tree) by name, with its path of names from the top."""

    def __init__(self, scope_unit_id: int | None):
        self.units: dict[int | str, dict] = {}  # id (or a key of a row not yet saved) -> name, level, path
        self.by_name: dict[str, list] = {}
        q = (select(OrgClosure.descendant_id, OrgUnit.name, OrgUnit.level, OrgClosure.depth)
             .join(OrgUnit, OrgUnit.id == OrgClosure.ancestor_id))
        own = select(OrgUnit.id, OrgUnit.name, OrgUnit.level)
        if scope_unit_id is not None:
            under = select(OrgClosure.descendant_id).where(OrgClosure.ancestor_id == scope_unit_id)
            q = q.where(OrgClosure.descendant_id.in_(under))
            own = own.where(OrgUnit.id.in_(under))
        paths: dict[int, list] = {}
        for uid, name, _level, depth in db.session.execute(q):
            paths.setdefault(uid, []).append((depth, name))
        for uid, name, level in db.session.execute(own):
            self.add(uid, name, level, tuple(n for _d, n in sorted(paths[uid], reverse=True)))

    def add(self, key, name: str, level: str, path: tuple[str, ...]) -> None:
        self.units[key] = {"name": name, "level": level, "path": path}
        self.by_name.setdefault(name, []).append(key)

    def resolve(self, text: str) -> tuple[object | None, str | None]:
        """(the unit's key, None) or (None, an error message id)."""
        parts = tuple(p.strip() for p in text.replace("／", "/").split("/") if p.strip())
        if not parts:
            return None, "Missing data for required field."
        found = [k for k in self.by_name.get(parts[-1], []) if self.units[k]["path"][-len(parts):] == parts]
        if not found:
            return None, "Unknown org unit."
        if len(found) > 1:
            return None, "Several units have this name: write its path, e.g. 幸福社区/第一网格."
        return found[0], None

    def child(self, parent_key, name: str):
        """The key of ``parent_key``'s child named ``name``, if there is one."""
        parent_path = self.units[parent_key]["path"] if parent_key is not None else ()
        for k in self.by_name.get(name, []):
            if self.units[k]["path"][:-1] == parent_path:
                return k
        return None
