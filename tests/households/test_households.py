from datetime import datetime, timedelta

from sqlalchemy import func, select

from server.extensions import db
from server.households.models import Household
from server.links.models import Link


def _count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_secretary_creates_household_in_own_microgrid(client, world):
    body = {"org_unit_id": world.m1a.id, "number": "A-1", "address": "幸福路1号", "head_name": "赵大",
            "phone": "13900000001", "size": 3, "tags": ["veteran", "hardship"]}
    r = client.post("/api/v1/households", json=body, headers=world.headers("sec1"))
    assert r.status_code == 201, r.json
    assert r.json["tags"] == ["hardship", "veteran"]
    assert r.json["member"] is None and r.json["links"] == []
    assert len(r.json["card_code"]) == 12
    # the same number again in that micro-grid: 409, nothing added
    before = _count(Household)
    r = client.post("/api/v1/households", json=body, headers=world.headers("sec1"))
    assert r.status_code == 409 and "number" in r.json["errors"]
    assert _count(Household) == before


def test_household_create_bad_input_changes_nothing(client, world):
    h = world.headers("sec1")
    before = _count(Household)
    ok = {"org_unit_id": world.m1a.id, "number": "B-1", "address": "x", "head_name": "y"}
    cases = [
        ({**ok, "org_unit_id": world.g1.id}, "org_unit_id"),        # not a micro-grid
        ({**ok, "org_unit_id": world.m2a.id}, "org_unit_id"),       # another grid
        ({**ok, "org_unit_id": 999999}, "org_unit_id"),             # unknown
        ({**ok, "tags": ["alien"]}, "tags"),
        ({**ok, "size": 0}, "size"),
        ({**ok, "size": "three"}, "size"),
        ({**ok, "address": "x" * 201}, "address"),
        ({k: v for k, v in ok.items() if k != "head_name"}, "head_name"),
        ({**ok, "surprise": 1}, "surprise"),
    ]
    for body, field in cases:
        r = client.post("/api/v1/households", json=body, headers=h)
        assert r.status_code == 422, (body, r.json)
        assert field in r.json["errors"], (body, r.json)
    assert _count(Household) == before
    r = client.post("/api/v1/households", json=ok, headers=world.headers("member1"))
    assert r.status_code == 403


def test_update_tags_and_fields(client, world):
    h = world.headers("sec1")
    r = client.patch(f"/api/v1/households/{world.h3.id}", json={"tags": ["veteran", "disabled"], "size": 4},
                     headers=h)
    assert r.status_code == 200, r.json
    assert r.json["tags"] == ["disabled", "veteran"] and r.json["size"] == 4
    r = client.patch(f"/api/v1/households/{world.h5.id}", json={"size": 4}, headers=h)
    assert r.status_code == 404
    r = client.patch(f"/api/v1/households/{world.h3.id}", json={"number": world.h2.number}, headers=h)
    assert r.status_code == 409
    r = client.patch(f"/api/v1/households/{world.h1.id}", json={"size": 9}, headers=world.headers("member1"))
    assert r.status_code == 403


def test_filters(client, world):
    h = world.headers("sec1")
    r = client.get("/api/v1/households?tag=elderly_alone", headers=h)
    assert [i["id"] for i in r.json["items"]] == [world.h1.id]
    r = client.get("/api/v1/households?unlinked=true", headers=h)
    assert [i["id"] for i in r.json["items"]] == [world.h_free.id]
    r = client.get("/api/v1/households?unlinked=false", headers=h)
    assert r.json["total"] == 4
    r = client.get(f"/api/v1/households?org_unit_id={world.m1b.id}", headers=h)
    assert [i["id"] for i in r.json["items"]] == [world.h4.id]
    r = client.get(f"/api/v1/households?member_id={world.member1.id}", headers=h)
    assert {i["id"] for i in r.json["items"]} == {world.h1.id, world.h2.id, world.h3.id}
    r = client.get(f"/api/v1/households?q={world.h3.head_name}", headers=h)
    assert [i["id"] for i in r.json["items"]] == [world.h3.id]
    r = client.get("/api/v1/households?tag=alien", headers=h)
    assert r.status_code == 422 and "tag" in r.json["errors"]
    r = client.get("/api/v1/households?unlinked=perhaps", headers=h)
    assert r.status_code == 422 and "unlinked" in r.json["errors"]


def test_list_rows_carry_the_linked_member(client, world):
    r = client.get(f"/api/v1/households?org_unit_id={world.m1a.id}", headers=world.headers("sec1"))
    by_id = {i["id"]: i for i in r.json["items"]}
    assert by_id[world.h1.id]["member"]["id"] == world.member1.id
    assert by_id[world.h_free.id]["member"] is None
    assert by_id[world.h1.id]["tags"] == ["elderly_alone"]


def test_pagination(client, world):
    h = world.headers("admin")
    r = client.get("/api/v1/households?per_page=2&page=2", headers=h)
    assert r.status_code == 200
    assert r.json["total"] == 6 and r.json["page"] == 2 and r.json["per_page"] == 2 and len(r.json["items"]) == 2
    page1 = client.get("/api/v1/households?per_page=2&page=1", headers=h).json["items"]
    assert not {i["id"] for i in page1} & {i["id"] for i in r.json["items"]}
    assert client.get("/api/v1/households?per_page=201", headers=h).status_code == 422
    assert client.get("/api/v1/households?page=0", headers=h).status_code == 422


def test_detail_has_link_history_and_card_code_for_managers(client, world):
    r = client.get(f"/api/v1/households/{world.h1.id}", headers=world.headers("sec1"))
    assert r.json["card_code"] == world.h1.card_code
    assert [ln["member"]["id"] for ln in r.json["links"]] == [world.member1.id]
    assert r.json["links"][0]["ended_at"] is None
    last = datetime.fromisoformat(r.json["last_visit_at"])
    assert abs(last - world.v1.visited_at) < timedelta(seconds=1)
    # h1 is elderly_alone: due 7 days after the last visit
    assert abs(datetime.fromisoformat(r.json["next_due_at"]) - (last + timedelta(days=7))) < timedelta(seconds=1)
    assert r.json["overdue"] is False and r.json["days_overdue"] == 0
    r = client.get(f"/api/v1/households/{world.h1.id}", headers=world.headers("member1"))
    assert r.json["card_code"] is None


def test_archive_ends_link_and_hides_household(client, world):
    h = world.headers("sec1")
    assert client.delete(f"/api/v1/households/{world.h2.id}", headers=h).status_code == 204
    assert client.get(f"/api/v1/households/{world.h2.id}", headers=h).status_code == 404
    link = db.session.scalar(select(Link).where(Link.household_id == world.h2.id))
    assert link.ended_at is not None and link.ended_by_id == world.sec1.id
    mine = client.get("/api/v1/me/households", headers=world.headers("member1")).json
    assert world.h2.id not in {x["id"] for x in mine}
    assert db.session.get(Household, world.h2.id) is not None  # archived, not deleted


def test_rotate_card_code_admin_only(client, world):
    r = client.post(f"/api/v1/households/{world.h1.id}/card-code", headers=world.headers("sec1"))
    assert r.status_code == 403
    r = client.post(f"/api/v1/households/{world.h1.id}/card-code", headers=world.headers("admin"))
    assert r.status_code == 200
    new = r.json["card_code"]
    assert new != world.h1.card_code and r.json["bind_url"] == f"/bind?code={new}"
    assert db.session.get(Household, world.h1.id).card_code == new


def test_me_households(client, world):
    r = client.get("/api/v1/me/households", headers=world.headers("member1"))
    assert r.status_code == 200
    rows = {x["id"]: x for x in r.json}
    assert set(rows) == {world.h1.id, world.h2.id, world.h3.id}
    h1 = rows[world.h1.id]
    assert h1["tags"] == ["elderly_alone"] and h1["head_name"] == world.h1.head_name
    assert h1["address"] == world.h1.address and h1["member"]["id"] == world.member1.id
    assert {"last_visit_at", "next_due_at", "overdue"} <= set(h1)


def test_me_households_is_what_the_documented_schema_dumps(client, world):
    """The route writes its JSON itself (it is the hottest read); it must be exactly the schema's dump."""
    import json

    from server.households.schemas import HouseholdSchema
    from server.households.services import my_households

    r = client.get("/api/v1/me/households", headers=world.headers("member1"))
    from server.auth.models import User
    user = db.session.get(User, world.member1.user_id)
    member = {"id": world.member1.id, "name": user.name, "phone": user.phone}
    dumped = json.loads(json.dumps(HouseholdSchema(many=True).dump(my_households(member_id=world.member1.id,
                                                                                 member=member))))
    assert r.json == dumped and len(dumped) == 3
    assert all(set(row) == set(HouseholdSchema().fields) for row in r.json)
    assert any(row["last_visit_at"] for row in r.json)  # the datetimes are there, ISO 8601 with an offset
    assert all(row["next_due_at"].endswith("+00:00") for row in r.json if row["next_due_at"])


def test_tags_catalogue_in_both_languages(client, world):
    zh = {t["code"]: t["name"] for t in client.get("/api/v1/tags", headers=world.headers("member1")).json}
    en = {t["code"]: t["name"] for t in client.get(
        "/api/v1/tags", headers=world.headers("member1", **{"Accept-Language": "en"})).json}
    assert zh["elderly_alone"] == "独居老人" and en["elderly_alone"] == "elderly living alone"
    assert set(zh) >= {"elderly_alone", "left_behind_child", "disabled", "hardship", "veteran"}


def test_given_card_code_must_be_valid_and_unique(client, world):
    h = world.headers("sec1")
    base = {"org_unit_id": world.m1a.id, "address": "x", "head_name": "y"}
    r = client.post("/api/v1/households", json={**base, "number": "C-1", "card_code": world.h1.card_code},
                    headers=h)
    assert r.status_code == 409 and "card_code" in r.json["errors"]
    r = client.post("/api/v1/households", json={**base, "number": "C-1", "card_code": "ILOU-ILOU-ILOU"},
                    headers=h)
    assert r.status_code == 422 and "card_code" in r.json["errors"]
    r = client.post("/api/v1/households", json={**base, "number": "C-1", "card_code": "abcd-efgh-jkmn"},
                    headers=h)
    assert r.status_code == 201 and r.json["card_code"] == "ABCDEFGHJKMN"
    assert db.session.scalar(select(func.count()).select_from(Household).where(Household.number == "C-1")) == 1
