"""/api/openapi.json describes the API.md routes; /api/docs works with no internet."""
import re

import pytest

# API.md's core routes, with the methods it fixes
CONTRACT = {
    "/api/v1/auth/login": {"post"},
    "/api/v1/auth/refresh": {"post"},
    "/api/v1/auth/logout": {"post"},
    "/api/v1/auth/bind-household": {"post"},
    "/api/v1/me": {"get"},
    "/api/v1/org-units": {"get"},
    "/api/v1/members": {"get"},
    "/api/v1/households": {"get"},
    "/api/v1/households/{household_id}": {"get"},
    "/api/v1/links": {"post"},
    "/api/v1/links/{link_id}": {"delete"},
    "/api/v1/leader-links": {"post"},
    "/api/v1/me/households": {"get"},
    "/api/v1/links/bulk": {"post"},
    "/api/v1/visits": {"get", "post"},
    "/api/v1/requests": {"get", "post"},
    "/api/v1/requests/{request_id}": {"get"},
    "/api/v1/push/vapid-public-key": {"get"},
    "/api/v1/push/subscriptions": {"post", "delete"},
    "/api/v1/inbox": {"get"},
    "/api/v1/stats/overview": {"get"},
    "/api/v1/stats/members": {"get"},
}
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


@pytest.fixture
def doc(client):
    r = client.get("/api/openapi.json")
    assert r.status_code == 200 and r.is_json
    return r.json


def test_openapi_header(doc):
    assert re.fullmatch(r"3\.\d+\.\d+", doc["openapi"])
    assert doc["info"]["title"] == "Linkage API" and doc["info"]["version"] == "v1"
    assert isinstance(doc["paths"], dict) and doc["paths"]


@pytest.mark.parametrize("path", sorted(CONTRACT))
def test_contract_routes_are_documented(doc, path):
    assert path in doc["paths"], path
    documented = set(doc["paths"][path]) & HTTP_METHODS
    assert CONTRACT[path] <= documented, (path, documented)


def test_every_documented_path_is_a_real_route(app, doc):
    rules: dict = {}
    for rule in app.url_map.iter_rules():
        rules.setdefault(re.sub(r"<(?:[^:>]+:)?(\w+)>", r"{\1}", rule.rule), set()).update(rule.methods)
    for path, item in doc["paths"].items():
        assert path in rules, path
        for method in set(item) & HTTP_METHODS:
            assert method.upper() in rules[path], (path, method)


def test_operations_are_well_formed(doc):
    op_ids = []
    for path, item in doc["paths"].items():
        assert path.startswith("/api/v1/")
        templated = set(re.findall(r"{(\w+)}", path))
        for method, op in item.items():
            if method not in HTTP_METHODS:
                continue
            assert op.get("responses"), (path, method)
            for code in op["responses"]:
                assert code == "default" or re.fullmatch(r"[1-5]\d\d", code), (path, method, code)
            params = item.get("parameters", []) + op.get("parameters", [])
            in_path = {p["name"] for p in params if p["in"] == "path"}
            assert in_path == templated, (path, method)
            assert all(p["required"] for p in params if p["in"] == "path")
            if "operationId" in op:
                op_ids.append(op["operationId"])
    assert len(op_ids) == len(set(op_ids))


def test_every_ref_resolves(doc):
    refs = []

    def walk(node):
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "$ref":
                    refs.append(v)
                else:
                    walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(doc)
    assert refs
    for ref in refs:
        assert ref.startswith("#/"), ref
        target = doc
        for part in ref[2:].split("/"):
            assert part in target, ref
            target = target[part]


def test_login_body_and_error_shape_are_documented(doc):
    login = doc["paths"]["/api/v1/auth/login"]["post"]
    assert login["security"] == []
    # every other operation needs the bearer token (so Swagger UI's Authorize sends it)
    assert doc["security"] == [{"bearerAuth": []}]
    assert "security" not in doc["paths"]["/api/v1/me/households"]["get"]
    schema_ref = login["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    props = doc["components"]["schemas"][schema_ref.rsplit("/", 1)[1]]["properties"]
    assert {"username", "password"} <= set(props)
    assert doc["components"]["securitySchemes"]["bearerAuth"] == {"type": "http", "scheme": "bearer",
                                                                 "bearerFormat": "JWT"}
    # the documented error body is the one the handlers send: {status: int, message, errors}
    error = doc["components"]["schemas"]["Error"]["properties"]
    assert set(error) == {"status", "message", "errors"}
    assert error["status"]["type"] == "integer" and error["message"]["type"] == "string"
    assert error["errors"]["type"] == "object"


def test_list_envelope_is_documented(doc):
    ok = doc["paths"]["/api/v1/households"]["get"]["responses"]["200"]
    ref = ok["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert set(doc["components"]["schemas"][ref]["properties"]) == {"items", "total", "page", "per_page"}
    names = {p["name"] for p in doc["paths"]["/api/v1/households"]["get"]["parameters"]}
    assert {"page", "per_page", "org_unit_id", "tag", "unlinked", "q"} <= names


# ---- /api/docs ------------------------------------------------------------------

def test_docs_page_needs_no_other_host(client):
    r = client.get("/api/docs")
    assert r.status_code == 200 and r.mimetype == "text/html"
    html = r.get_data(as_text=True)
    assert "SwaggerUIBundle" in html and "/api/openapi.json" in html
    urls = re.findall(r"""(?:https?:)?//[^\s"'<>)]+""", html)
    foreign = [u for u in urls if not re.match(r"(?:https?:)?//localhost(?:[:/]|$)", u)]
    assert not foreign, foreign
    for attr in re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", html):
        assert attr.startswith("/api/docs/assets/"), attr


def test_every_docs_asset_is_served(client):
    html = client.get("/api/docs").get_data(as_text=True)
    assets = re.findall(r"""(?:src|href)\s*=\s*["'](/api/docs/assets/[^"']+)["']""", html)
    assert any(a.endswith(".js") for a in assets) and any(a.endswith(".css") for a in assets)
    for asset in assets:
        r = client.get(asset)
        assert r.status_code == 200, asset
        body = r.get_data()
        assert len(body) > 1000, asset
        if asset.endswith(".css"):
            assert r.mimetype == "text/css"
        if asset.endswith(".js"):
            assert "javascript" in r.mimetype
        r.close()


def test_docs_assets_cannot_escape_their_folder(client):
    for path in ("/api/docs/assets/../../config.py", "/api/docs/assets/%2e%2e/%2e%2e/server/config.py"):
        r = client.get(path)
        assert r.status_code == 404, path
