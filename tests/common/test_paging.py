"""?page=&per_page= (max 200) and the {"items", "total", "page", "per_page"} envelope."""
import pytest

from server.common.pagination import MAX_PER_PAGE, PageArgs


@pytest.mark.parametrize("path", ["/api/v1/households", "/api/v1/users", "/api/v1/members"])
@pytest.mark.parametrize("query, field", [
    ({"per_page": 201}, "per_page"),
    ({"per_page": 1000}, "per_page"),
    ({"per_page": 0}, "per_page"),
    ({"per_page": -5}, "per_page"),
    ({"page": 0}, "page"),
    ({"page": -1}, "page"),
    ({"page": "two"}, "page"),
    ({"per_page": "1.5"}, "per_page"),
])
def test_bad_paging_is_422(client, world, path, query, field):
    r = client.get(path, query_string=query, headers=world.headers("admin"))
    assert r.status_code == 422, r.json
    assert set(r.json) == {"status", "message", "errors"}
    assert set(r.json["errors"]) == {field}


def test_page_size_messages(client, world):
    h = world.headers("admin")
    r = client.get("/api/v1/households", query_string={"per_page": 201}, headers=h)
    assert r.json["errors"]["per_page"] == ["须在 1 到 200 之间。"]
    r = client.get("/api/v1/households", query_string={"page": 0}, headers={**h, "Accept-Language": "en"})
    assert r.json["errors"]["page"] == ["Must be greater than or equal to 1."]


def test_defaults_and_the_envelope(client, world):
    r = client.get("/api/v1/households", headers=world.headers("admin"))
    assert r.status_code == 200
    assert set(r.json) == {"items", "total", "page", "per_page"}
    assert r.json["page"] == 1 and r.json["per_page"] == 50
    assert r.json["total"] == 6 and len(r.json["items"]) == 6


def test_largest_page_is_allowed(client, world):
    r = client.get("/api/v1/households", query_string={"per_page": MAX_PER_PAGE}, headers=world.headers("admin"))
    assert r.status_code == 200 and r.json["per_page"] == 200
    assert MAX_PER_PAGE == 200
    assert PageArgs().load({"per_page": "200"}) == {"page": 1, "per_page": 200}


def test_pages_split_the_whole_list(client, world):
    h = world.headers("admin")
    all_ids = [i["id"] for i in client.get("/api/v1/households", headers=h).json["items"]]
    pages = []
    for page in (1, 2, 3):
        r = client.get("/api/v1/households", query_string={"page": page, "per_page": 2}, headers=h)
        assert r.status_code == 200
        assert r.json["total"] == 6 and r.json["page"] == page and r.json["per_page"] == 2
        assert len(r.json["items"]) == 2
        pages += [i["id"] for i in r.json["items"]]
    assert pages == all_ids and len(set(pages)) == 6
    r = client.get("/api/v1/households", query_string={"page": 4, "per_page": 2}, headers=h)
    assert r.status_code == 200 and r.json["items"] == [] and r.json["total"] == 6


def test_total_counts_only_what_the_caller_sees(client, world):
    r = client.get("/api/v1/households", query_string={"per_page": 1}, headers=world.headers("member1"))
    assert r.json["total"] == 3 and len(r.json["items"]) == 1
    r = client.get("/api/v1/households", query_string={"per_page": 1}, headers=world.headers("sec2"))
    assert r.json["total"] == 1
