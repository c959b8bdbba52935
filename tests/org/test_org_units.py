from sqlalchemy import func, select

from server.extensions import db
from server.org.models import OrgClosure, OrgUnit


def test_admin_builds_the_tree_with_closure_rows(client, world):
    h = world.headers("admin")
    r = client.post("/api/v1/org-units", json={"name": "第三网格", "level": "grid", "parent_id": world.community.id},
                    headers=h)
    assert r.status_code == 201, r.json
    grid = r.json["id"]
    r = client.post("/api/v1/org-units", json={"name": "三网格一微格", "level": "microgrid", "parent_id": grid},
                    headers=h)
    assert r.status_code == 201
    mg = r.json["id"]
    assert r.json["depth"] == 3
    ancestors = set(db.session.scalars(select(OrgClosure.ancestor_id).where(OrgClosure.descendant_id == mg)))
    assert ancestors == {mg, grid, world.community.id, world.street.id}
    r = client.get(f"/api/v1/org-units?under={grid}", headers=h)
    assert {u["id"] for u in r.json} == {grid, mg}


def test_levels_must_follow_the_tree(client, world):
    h = world.headers("admin")
    before = db.session.scalar(select(func.count()).select_from(OrgUnit))
    r = client.post("/api/v1/org-units", json={"name": "x", "level": "microgrid", "parent_id": world.community.id},
                    headers=h)
    assert r.status_code == 422 and "level" in r.json["errors"]
    assert "微网格党小组" in r.json["errors"]["level"][0]
    r = client.post("/api/v1/org-units", json={"name": "x", "level": "planet", "parent_id": world.community.id},
                    headers=h)
    assert r.status_code == 422 and "level" in r.json["errors"]
    r = client.post("/api/v1/org-units", json={"name": "", "level": "grid", "parent_id": world.community.id},
                    headers=h)
    assert r.status_code == 422 and "name" in r.json["errors"]
    assert db.session.scalar(select(func.count()).select_from(OrgUnit)) == before


def test_parent_outside_scope_and_roles(client, world):
    # a grid admin cannot add under another grid, nor a new root
    from tests.factories import UserFactory
    UserFactory(username="gridadmin", roles=["admin"], org_unit_id=world.g1.id)
    db.session.commit()
    h = world.headers("gridadmin")
    r = client.post("/api/v1/org-units", json={"name": "x", "level": "microgrid", "parent_id": world.g2.id},
                    headers=h)
    assert r.status_code == 422 and "parent_id" in r.json["errors"]
    r = client.post("/api/v1/org-units", json={"name": "x", "level": "street"}, headers=h)
    assert r.status_code == 403
    r = client.post("/api/v1/org-units", json={"name": "x", "level": "microgrid", "parent_id": world.g1.id},
                    headers=world.headers("sec1"))
    assert r.status_code == 403
    r = client.patch(f"/api/v1/org-units/{world.m2a.id}", json={"name": "改名"}, headers=h)
    assert r.status_code == 404


def test_rename_and_delete(client, world):
    h = world.headers("admin")
    r = client.patch(f"/api/v1/org-units/{world.m1b.id}", json={"name": "新名字"}, headers=h)
    assert r.status_code == 200 and r.json["name"] == "新名字"
    r = client.delete(f"/api/v1/org-units/{world.m1a.id}", headers=h)
    assert r.status_code == 409  # has households and members
    r = client.post("/api/v1/org-units", json={"name": "空", "level": "microgrid", "parent_id": world.g2.id},
                    headers=h)
    empty = r.json["id"]
    assert client.delete(f"/api/v1/org-units/{empty}", headers=h).status_code == 204
    assert db.session.get(OrgUnit, empty) is None
    assert db.session.scalar(select(func.count()).select_from(OrgClosure).where(
        OrgClosure.descendant_id == empty)) == 0
    assert client.delete(f"/api/v1/org-units/{empty}", headers=h).status_code == 404


def test_departments(client, world):
    r = client.post("/api/v1/departments", json={"name": "社保所", "org_unit_id": world.street.id},
                    headers=world.headers("admin"))
    assert r.status_code == 422  # the street is above a community admin's subtree
    r = client.post("/api/v1/departments", json={"name": "社区服务站", "org_unit_id": world.community.id},
                    headers=world.headers("admin"))
    assert r.status_code == 201
    names = {d["name"] for d in client.get("/api/v1/departments", headers=world.headers("sec1")).json}
    assert names == {"民政办", "社区服务站"}
