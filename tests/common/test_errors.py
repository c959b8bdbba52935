"""One error shape everywhere, in Chinese by default and English on request."""
import logging

from server import create_app

SHAPE = {"status", "message", "errors"}


def test_unknown_routes_are_404_json(client):
    for path in ("/api/v1/nope", "/nope", "/api/v1/households/abc"):
        r = client.get(path)
        assert r.status_code == 404 and set(r.json) == SHAPE, path
        assert r.json["message"] == "未找到，或您无权查看。"
    r = client.get("/api/v1/nope", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert r.json["message"] == "Not found, or not visible to you."


def test_wrong_method_is_405_with_allow(client):
    r = client.delete("/api/v1/auth/login")
    assert r.status_code == 405 and set(r.json) == SHAPE
    assert "POST" in r.headers["Allow"]
    assert r.json["message"] == "不支持该请求方法。"


def test_body_over_one_megabyte_is_413(client, world):
    big = '{"household_id": 1, "notes": "' + "x" * (1024 * 1024) + '"}'
    r = client.post("/api/v1/visits", data=big, content_type="application/json", headers=world.headers("member1"))
    assert r.status_code == 413 and set(r.json) == SHAPE
    assert r.json["message"] == "请求内容过大。"


def test_malformed_json_and_field_errors(client, world):
    h = world.headers("sec1")
    r = client.post("/api/v1/households", data='{"org_unit_id": ', content_type="application/json", headers=h)
    assert r.status_code == 400 and r.json == {"status": 400, "message": "请求体不是有效的 JSON。", "errors": {}}
    r = client.post("/api/v1/households", json={"number": 5}, headers=h)
    assert r.status_code == 422 and set(r.json) == SHAPE
    assert r.json["errors"]["address"] == ["缺少必填字段。"]
    assert r.json["errors"]["number"] == ["不是有效的字符串。"]
    r = client.post("/api/v1/households", json={"number": 5}, headers={**h, "Accept-Language": "en"})
    assert r.json["errors"]["address"] == ["Missing data for required field."]
    assert r.json["message"] == "The input is not valid."


def test_401_and_403_shapes(client, world):
    r = client.get("/api/v1/households")
    assert r.status_code == 401 and set(r.json) == SHAPE
    r = client.post("/api/v1/org-units", json={"name": "x", "level": "grid"}, headers=world.headers("member1"))
    assert r.status_code == 403 and r.json["message"] == "您没有权限执行此操作。"


def test_page_size_limits(client, world):
    h = world.headers("admin")
    r = client.get("/api/v1/households?per_page=201", headers=h)
    assert r.status_code == 422 and "per_page" in r.json["errors"]
    assert "200" in r.json["errors"]["per_page"][0]
    assert client.get("/api/v1/households?page=0", headers=h).status_code == 422
    assert client.get("/api/v1/households?per_page=200", headers=h).status_code == 200


def test_500_says_nothing_internal_and_logs(tmp_path, caplog):
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.db'}", "JWT_SECRET_KEY": "k" * 40},
                     instance_path=str(tmp_path / "instance"))

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret database password leaked here")

    with caplog.at_level(logging.ERROR):
        r = app.test_client().get("/boom")
    assert r.status_code == 500 and set(r.json) == SHAPE
    assert "secret" not in r.get_data(as_text=True)
    assert r.json["message"] == "服务器内部错误，已记录，请稍后重试。"
    assert any("secret database password" in (rec.exc_text or "") or rec.exc_info for rec in caplog.records)
