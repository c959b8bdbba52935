"""Scoping is security: every data route × every role sees only its own part of the tree.

Lists are checked by the exact set of ids returned; single objects outside the
caller's scope are 404 (never 403), so ids can't be probed. The last test makes
sure every GET route of the API appears here.
"""
import pytest


ROLES = ["admin", "sec1", "sec2", "leader1", "member1", "member2", "member3", "resident1", "resident2", "dept1"]


def ids(resp):
    body = resp.json
    items = body["items"] if isinstance(body, dict) and "items" in body else body
    return {i["id"] for i in items}


# route -> {caller: expected set of names (or an HTTP status)}
LISTS = {
    "/api/v1/households?per_page=200": {
        "admin": {"h1", "h2", "h3", "h_free", "h4", "h5"},
        "sec1": {"h1", "h2", "h3", "h_free", "h4"},
        "sec2": {"h5"},
        "leader1": {"h1", "h2", "h3", "h4"},
        "member1": {"h1", "h2", "h3"},
        "member2": {"h4"},
        "member3": {"h5"},
        "resident1": {"h1"},
        "resident2": {"h5"},
        "dept1": 403,
    },
    "/api/v1/me/households": {
        "leader1": set(), "member1": {"h1", "h2", "h3"}, "member2": {"h4"}, "member3": {"h5"},
        "admin": 403, "sec1": 403, "sec2": 403, "resident1": 403, "resident2": 403, "dept1": 403,
    },
    "/api/v1/members?per_page=200": {
        "admin": {"leader1", "member1", "member2", "member3"},
        "sec1": {"leader1", "member1", "member2"},
        "sec2": {"member3"},
        "leader1": {"leader1", "member1", "member2"},
        "member1": {"member1"}, "member2": {"member2"}, "member3": {"member3"},
        "resident1": 403, "resident2": 403, "dept1": 403,
    },
    "/api/v1/org-units": {
        "admin": {"street", "community", "g1", "g2", "m1a", "m1b", "m2a"},
        "sec1": {"street", "community", "g1", "m1a", "m1b"},
        "sec2": {"street", "community", "g2", "m2a"},
        "leader1": {"street", "community", "g1", "m1a"},
        "member1": {"street", "community", "g1", "m1a"},
        "member2": {"street", "community", "g1", "m1b"},
        "member3": {"street", "community", "g2", "m2a"},
        "resident1": {"street", "community", "g1", "m1a"},
        "resident2": {"street", "community", "g2", "m2a"},
        "dept1": {"street"},
    },
    "/api/v1/links?per_page=200": {
        "admin": {"l_h1", "l_h2", "l_h3", "l_h4", "l_h5"},
        "sec1": {"l_h1", "l_h2", "l_h3", "l_h4"},
        "sec2": {"l_h5"},
        "leader1": {"l_h1", "l_h2", "l_h3", "l_h4"},
        "member1": {"l_h1", "l_h2", "l_h3"},
        "member2": {"l_h4"},
        "member3": {"l_h5"},
        "resident1": 403, "resident2": 403, "dept1": 403,
    },
    "/api/v1/leader-links?per_page=200": {
        "admin": {"ll_member1", "ll_member2"},
        "sec1": {"ll_member1", "ll_member2"},
        "sec2": set(),
        "leader1": {"ll_member1", "ll_member2"},
        "member1": {"ll_member1"},
        "member2": {"ll_member2"},
        "member3": set(),
        "resident1": 403, "resident2": 403, "dept1": 403,
    },
    "/api/v1/visits?per_page=200": {
        "admin": {"v1", "v4", "v5"},
        "sec1": {"v1", "v4"},
        "sec2": {"v5"},
        "leader1": {"v1", "v4"},
        "member1": {"v1"}, "member2": {"v4"}, "member3": {"v5"},
        "resident1": 403, "resident2": 403, "dept1": 403,
    },
    "/api/v1/requests?per_page=200": {
        "admin": {"r1", "r4", "r5"},
        "sec1": {"r1", "r4"},
        "sec2": {"r5"},
        "leader1": {"r1", "r4"},
        "member1": {"r1"}, "member2": {"r4"}, "member3": {"r5"},
        "resident1": {"r1"}, "resident2": {"r5"},
        "dept1": {"r5"},
    },
    "/api/v1/inbox?per_page=200": {
        "member1": {"rem_member1"}, "resident1": {"rem_resident1"},
        **{who: set() for who in ("admin", "sec1", "sec2", "leader1", "member2", "member3", "resident2", "dept1")},
    },
    "/api/v1/departments": {
        "admin": {"dept"}, "sec1": {"dept"}, "sec2": {"dept"}, "dept1": {"dept"},
        "leader1": 403, "member1": 403, "member2": 403, "member3": 403, "resident1": 403, "resident2": 403,
    },
    "/api/v1/users?per_page=200": {
        "admin": {"admin", "leader1", "member1", "member2", "member3", "sec1", "sec2"},
        "sec1": 403, "sec2": 403, "leader1": 403, "member1": 403, "member2": 403, "member3": 403,
        "resident1": 403, "resident2": 403, "dept1": 403,
    },
}

# route template -> {object name: callers who may see it (everyone else: 404, or 403 by role)}
DETAILS = {
    "/api/v1/households/{id}": {
        "h1": {"admin", "sec1", "leader1", "member1", "resident1"},
        "h4": {"admin", "sec1", "leader1", "member2"},
        "h5": {"admin", "sec2", "member3", "resident2"},
        "h_free": {"admin", "sec1"},
    },
    "/api/v1/members/{id}": {
        "member1": {"admin", "sec1", "leader1", "member1"},
        "member3": {"admin", "sec2", "member3"},
        "leader1": {"admin", "sec1", "leader1"},
    },
    "/api/v1/visits/{id}": {
        "v1": {"admin", "sec1", "leader1", "member1"},
        "v5": {"admin", "sec2", "member3"},
    },
    "/api/v1/requests/{id}": {
        "r1": {"admin", "sec1", "leader1", "member1", "resident1"},
        "r4": {"admin", "sec1", "leader1", "member2"},
        "r5": {"admin", "sec2", "member3", "resident2", "dept1"},
    },
    "/api/v1/org-units/{id}": {
        "g1": {"admin", "sec1", "leader1", "member1", "member2", "resident1"},
        "m2a": {"admin", "sec2", "member3", "resident2"},
        "street": set(ROLES),
    },
}
ROLE_FORBIDDEN = {
    "/api/v1/households/{id}": {"dept1"},
    "/api/v1/members/{id}": {"resident1", "resident2", "dept1"},
    "/api/v1/visits/{id}": {"resident1", "resident2", "dept1"},
}
# GET routes that return the caller's own data or public catalogues (no other party's rows).
SELF_ROUTES = {"/api/v1/me", "/api/v1/tags", "/api/v1/me/diary", "/api/v1/visits/catalogue",
               "/api/v1/visit-policies", "/api/v1/requests/categories", "/api/v1/service-items",
               "/api/v1/me/settings", "/api/v1/push/vapid-public-key"}
PUBLIC_ROUTES = {"/api/v1/push/vapid-public-key"}
# dashboards take an org unit and answer 404 outside the caller's subtree (tests/stats)
UNIT_ROUTES = {"/api/v1/stats/overview", "/api/v1/stats/members"}
# exports and cards are scoped like the lists they come from (tests/excel, tests/households)
FILE_ROUTES = {"/api/v1/exports/households.<any(xlsx, csv):fmt>", "/api/v1/exports/visits.<any(xlsx, csv):fmt>",
               "/api/v1/exports/requests.<any(xlsx, csv):fmt>", "/api/v1/exports/member-stats.<any(xlsx, csv):fmt>", '/api/v1/imports/templates/<any("households", "org-units", "members"):kind>.xlsx',
               "/api/v1/households/cards"}  # cards: tests/households/test_cards.py


def _name_map(world):
    from server.links.models import LeaderLink, Link
    from server.extensions import db
    from sqlalchemy import select

    names = {}
    for n in ("street", "community", "g1", "g2", "m1a", "m1b", "m2a", "h1", "h2", "h3", "h_free", "h4", "h5"):
        names[n] = getattr(world, n).id
    for n in ("leader1", "member1", "member2", "member3"):
        names[n] = getattr(world, n).id
    for n in ("admin", "sec1", "sec2"):
        names[n] = getattr(world, n).id
    names["dept"] = world.dept.id
    for n in ("v1", "v4", "v5", "r1", "r4", "r5"):
        names[n] = getattr(world, n).id
    names["rem_member1"], names["rem_resident1"] = world.rem_member1, world.rem_resident1
    for ln in db.session.scalars(select(Link)):
        hname = next(k for k in ("h1", "h2", "h3", "h4", "h5") if getattr(world, k).id == ln.household_id)
        names["l_" + hname] = ln.id
    for ln in db.session.scalars(select(LeaderLink)):
        mname = next(k for k in ("member1", "member2") if getattr(world, k).id == ln.member_id)
        names["ll_" + mname] = ln.id
    return names


def _user_ids(world):
    """/users lists users: map member names to their user ids."""
    return {n: getattr(world, n).user_id for n in ("leader1", "member1", "member2", "member3")} | {
        n: getattr(world, n).id for n in ("admin", "sec1", "sec2")}


@pytest.mark.parametrize("route", list(LISTS))
def test_lists_are_scoped(client, world, route):
    names = _name_map(world)
    if route.startswith("/api/v1/users"):
        names = _user_ids(world)
    for caller in ROLES:
        expected = LISTS[route][caller]
        r = client.get(route, headers=world.headers(caller))
        if isinstance(expected, int):
            assert r.status_code == expected, (route, caller, r.json)
            assert set(r.json) == {"status", "message", "errors"}
            continue
        assert r.status_code == 200, (route, caller, r.json)
        assert ids(r) == {names[n] for n in expected}, (route, caller)


@pytest.mark.parametrize("route", list(DETAILS))
def test_details_outside_scope_are_404(client, world, route):
    names = _name_map(world)
    for obj, allowed in DETAILS[route].items():
        url = route.format(id=names[obj])
        for caller in ROLES:
            r = client.get(url, headers=world.headers(caller))
            if caller in ROLE_FORBIDDEN.get(route, set()):
                assert r.status_code == 403, (url, caller)
            elif caller in allowed:
                assert r.status_code == 200 and r.json["id"] == names[obj], (url, caller, r.json)
            else:
                assert r.status_code == 404, (url, caller, r.status_code)


def test_filters_cannot_widen_scope(client, world):
    """Filtering by a unit outside my scope is 404; filtering by another member's id finds nothing."""
    r = client.get(f"/api/v1/households?org_unit_id={world.g2.id}", headers=world.headers("sec1"))
    assert r.status_code == 404
    r = client.get(f"/api/v1/members?org_unit_id={world.g2.id}", headers=world.headers("sec1"))
    assert r.status_code == 404
    r = client.get(f"/api/v1/households?member_id={world.member3.id}", headers=world.headers("member1"))
    assert r.status_code == 200 and r.json["total"] == 0
    r = client.get(f"/api/v1/links?household_id={world.h5.id}", headers=world.headers("member1"))
    assert r.status_code == 200 and r.json["total"] == 0


def test_dashboards_are_scoped_to_the_callers_subtree(client, world):
    expected = {"admin": {"community", "g1", "g2", "m1a"}, "sec1": {"g1", "m1a"}, "sec2": {"g2"}}
    names = _name_map(world)
    for route in UNIT_ROUTES:
        for caller in ROLES:
            for unit in ("community", "g1", "g2", "m1a"):
                r = client.get(f"{route}?org_unit_id={names[unit]}", headers=world.headers(caller))
                if caller not in expected:
                    assert r.status_code == 403, (route, caller)
                else:
                    assert r.status_code == (200 if unit in expected[caller] else 404), (route, caller, unit)


def test_resident_sees_own_linked_member_only(client, world):
    r = client.get("/api/v1/me", headers=world.headers("resident1"))
    assert r.json["linked_member"]["id"] == world.member1.id
    assert r.json["household_id"] == world.h1.id
    r = client.get(f"/api/v1/households/{world.h1.id}", headers=world.headers("resident1"))
    assert r.json["card_code"] is None  # only admins and secretaries see card codes


def test_every_get_route_is_covered(app):
    covered = {r.split("?")[0] for r in LISTS} | set(DETAILS) | SELF_ROUTES | UNIT_ROUTES
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/") and "GET" in rule.methods and rule.rule not in FILE_ROUTES:
            routes.add(rule.rule.replace("<int:", "{").replace(">", "}").replace("{household_id}", "{id}")
                       .replace("{member_id}", "{id}").replace("{unit_id}", "{id}").replace("{visit_id}", "{id}")
                       .replace("{request_id}", "{id}"))
    missing = routes - covered
    assert not missing, f"GET routes without a scoping test: {missing}"


def test_unauthenticated_gets_401_everywhere(client, app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/") and "GET" in rule.methods and rule.rule not in PUBLIC_ROUTES:
            url = rule.rule
            for arg in rule.arguments:
                url = url.replace(f"<int:{arg}>", "1").replace(f"<{arg}>", "x")
            url = url.replace("<any(xlsx, csv):fmt>", "csv").replace(
                '<any("households", "org-units", "members"):kind>', "members")
            r = client.get(url)
            assert r.status_code == 401, url
