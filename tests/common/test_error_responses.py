"""Every error answers {"status", "message", "errors"}, from the app-level handlers."""
import logging

import pytest
from flask import abort
from sqlalchemy.exc import IntegrityError

from server.common.errors import ApiError

SHAPE = {"status", "message", "errors"}


def assert_error(r, status, message=None):
    assert r.status_code == status, (r.status_code, r.get_data(as_text=True)[:300])
    assert r.is_json and r.mimetype == "application/json"
    assert set(r.json) == SHAPE
    assert r.json["status"] == status
    assert isinstance(r.json["message"], str) and r.json["message"]
    assert isinstance(r.json["errors"], dict)
    if message is not None:
        assert r.json["message"] == message
    return r.json


# ---- 404 -----------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/api/v1/nope", "/nope", "/api/v1/households/abc", "/api/v1/households/1/nope",
                                  "/api/nope", "/api/docs/assets/no-such-file.js"])
def test_unknown_routes_are_404(client, path):
    body = assert_error(client.get(path), 404, "未找到，或您无权查看。")
    assert body["errors"] == {}
    assert_error(client.get(path, headers={"Accept-Language": "en"}), 404, "Not found, or not visible to you.")


def test_a_row_out_of_scope_is_404_like_a_missing_one(client, world):
    h = world.headers("member3")
    hidden = client.get(f"/api/v1/households/{world.h1.id}", headers=h)
    missing = client.get("/api/v1/households/999999", headers=h)
    assert assert_error(hidden, 404) == assert_error(missing, 404)
    assert hidden.get_data() == missing.get_data()


# ---- 405 -----------------------------------------------------------------------

@pytest.mark.parametrize("method, path, allowed", [
    ("get", "/api/v1/auth/login", {"POST"}),
    ("delete", "/api/v1/me", {"GET"}),
    ("put", "/api/v1/auth/logout", {"POST"}),
    ("post", "/sw.js", {"GET"}),
])
def test_wrong_method_is_405_with_allow(client, method, path, allowed):
    r = getattr(client, method)(path)
    assert_error(r, 405, "不支持该请求方法。")
    allow = {m.strip() for m in r.headers["Allow"].split(",")}
    assert allowed <= allow and method.upper() not in allow
    r = getattr(client, method)(path, headers={"Accept-Language": "en"})
    assert_error(r, 405, "Method not allowed.")


# ---- 413 -----------------------------------------------------------------------

def _big_json(size):
    return '{"username": "member1", "password": "' + "x" * size + '"}'


def test_body_over_one_megabyte_is_413(client, world):
    r = client.post("/api/v1/auth/login", data=_big_json(1024 * 1024), content_type="application/json")
    assert_error(r, 413, "请求内容过大。")
    r = client.post("/api/v1/auth/login", data=_big_json(1024 * 1024), content_type="application/json",
                    headers={"Accept-Language": "en"})
    assert_error(r, 413, "The request body is too large.")
    big = '{"household_id": %d, "notes": "%s"}' % (world.h1.id, "x" * (1024 * 1024))
    r = client.post("/api/v1/visits", data=big, content_type="application/json", headers=world.headers("member1"))
    assert_error(r, 413)


def test_body_just_under_one_megabyte_is_read(client, world):
    r = client.post("/api/v1/auth/login", data=_big_json(1024 * 1024 - 100), content_type="application/json")
    body = assert_error(r, 422)  # read and validated: the password is too long
    assert set(body["errors"]) == {"password"}


# ---- 400, 422, 401, 403 ---------------------------------------------------------

def test_malformed_json_is_400(client, world):
    h = world.headers("sec1")
    r = client.post("/api/v1/households", data='{"org_unit_id": ', content_type="application/json", headers=h)
    assert r.status_code == 400
    assert r.json == {"status": 400, "message": "请求体不是有效的 JSON。", "errors": {}}
    r = client.post("/api/v1/links", data="[1, 2", content_type="application/json",
                    headers={**h, "Accept-Language": "en"})
    assert r.json == {"status": 400, "message": "Malformed JSON body.", "errors": {}}


def test_field_errors_are_422(client, world):
    h = world.headers("sec1")
    r = client.post("/api/v1/households", json={"number": 5, "org_unit_id": "x"}, headers=h)
    body = assert_error(r, 422, "输入有误，请检查后重试。")
    assert body["errors"]["address"] == ["缺少必填字段。"]
    assert body["errors"]["number"] == ["不是有效的字符串。"]
    assert body["errors"]["org_unit_id"] == ["不是有效的整数。"]
    # query-string errors are flat too, not nested under their location
    r = client.get("/api/v1/households", query_string={"unlinked": "maybe"}, headers=h)
    body = assert_error(r, 422)
    assert body["errors"] == {"unlinked": ["不是有效的布尔值。"]}


def test_401_and_403(client, world):
    assert_error(client.get("/api/v1/households"), 401, "请先登录。")
    assert_error(client.get("/api/v1/households", headers={"Authorization": "Bearer x.y.z"}), 401,
                 "登录凭证无效，请重新登录。")
    r = client.post("/api/v1/org-units", json={"name": "x", "level": "grid", "parent_id": world.community.id},
                    headers=world.headers("member1"))
    assert_error(r, 403, "您没有权限执行此操作。")
    r = client.get("/api/v1/users", headers={**world.headers("member1"), "Accept-Language": "en"})
    assert_error(r, 403, "You are not allowed to do this.")


def test_409_conflict_names_the_field(client, world):
    r = client.post("/api/v1/users", json={"username": "sec1", "name": "x", "roles": ["secretary"],
                                           "org_unit_id": world.g1.id}, headers=world.headers("admin"))
    body = assert_error(r, 409)
    assert body["errors"] == {"username": ["该用户名已被使用。"]}


# ---- handlers on a separate app ------------------------------------------------

def test_500_says_nothing_internal_and_logs_the_traceback(fresh_app, caplog):
    @fresh_app.get("/boom")
    def boom():
        raise RuntimeError("db password hunter2 at 10.0.0.5")

    client = fresh_app.test_client()
    with caplog.at_level(logging.ERROR):
        r = client.get("/boom")
    body = assert_error(r, 500, "服务器内部错误，已记录，请稍后重试。")
    assert body["errors"] == {}
    text = r.get_data(as_text=True)
    for leak in ("hunter2", "RuntimeError", "Traceback", "10.0.0.5", "boom"):
        assert leak not in text
    records = [rec for rec in caplog.records if rec.exc_info and isinstance(rec.exc_info[1], RuntimeError)]
    assert records, caplog.records
    assert records[0].levelno == logging.ERROR
    assert "Traceback" in caplog.text and "hunter2" in caplog.text  # the log has what the body leaves out

    r = client.get("/boom", headers={"Accept-Language": "en"})
    assert_error(r, 500, "Internal error. It has been logged; please try again later.")


def test_integrity_error_is_409_without_sql(fresh_app, caplog):
    @fresh_app.post("/dup")
    def dup():
        raise IntegrityError("INSERT INTO users (username) VALUES (?)", ("sec1",),
                             Exception("UNIQUE constraint failed: users.username"))

    with caplog.at_level(logging.INFO):
        r = fresh_app.test_client().post("/dup")
    assert_error(r, 409, "操作冲突。")
    assert "UNIQUE" not in r.get_data(as_text=True) and "INSERT" not in r.get_data(as_text=True)


def test_api_error_carries_fields_params_and_headers(fresh_app):
    @fresh_app.get("/api-error")
    def api_error():
        raise ApiError(422, "The input is not valid.", errors={"per_page": ["Must be less than or equal to {max}."]},
                       headers={"X-Test": "yes"}, max=200)

    r = fresh_app.test_client().get("/api-error")
    body = assert_error(r, 422, "输入有误，请检查后重试。")
    assert body["errors"] == {"per_page": ["须小于或等于 200。"]}
    assert r.headers["X-Test"] == "yes"


@pytest.mark.parametrize("status, zh", [(400, "请求有误。"), (401, "请先登录。"), (403, "您没有权限执行此操作。"),
                                        (404, "未找到，或您无权查看。"), (409, "操作冲突。"),
                                        (415, "不支持的内容类型。")])
def test_abort_anywhere_gives_the_shape(fresh_app, status, zh):
    @fresh_app.get("/abort")
    def aborting():
        abort(status)

    assert_error(fresh_app.test_client().get("/abort"), status, zh)
