"""Messages in Chinese by default and English on request; marshmallow's messages go through the same catalogue."""
import ast
import re
from pathlib import Path

import pytest
from marshmallow import Schema, fields

from server.common.i18n import ZH, current_locale, translate, translate_errors

SERVER = Path(__file__).resolve().parents[2] / "server"


@pytest.mark.parametrize("accept, english", [
    (None, False), ("", False), ("zh-CN", False), ("zh", False), ("zh-TW", False), ("fr", False),
    ("fr, de;q=0.5", False), ("zh-CN,zh;q=0.9,en;q=0.5", False), ("en;q=0.1, zh;q=0.9", False),
    ("en", True), ("EN", True), ("en-US", True), ("en-GB", True), ("en-US,en;q=0.9", True), ("en,zh;q=0.5", True),
    ("fr, en;q=0.5", True),
])
def test_language_from_accept_language(client, accept, english):
    headers = {"Accept-Language": accept} if accept is not None else {}
    r = client.get("/api/v1/nope", headers=headers)
    assert r.status_code == 404
    assert r.json["message"] == ("Not found, or not visible to you." if english else "未找到，或您无权查看。")


def test_field_messages_follow_the_language(client, world):
    h = world.headers("sec1")
    r = client.post("/api/v1/households", json={"number": 5}, headers=h)
    assert r.json["message"] == "输入有误，请检查后重试。"
    assert r.json["errors"]["address"] == ["缺少必填字段。"]
    assert r.json["errors"]["number"] == ["不是有效的字符串。"]
    r = client.post("/api/v1/households", json={"number": 5}, headers={**h, "Accept-Language": "en"})
    assert r.json["message"] == "The input is not valid."
    assert r.json["errors"]["address"] == ["Missing data for required field."]
    assert r.json["errors"]["number"] == ["Not a valid string."]


def test_formatted_marshmallow_messages_are_translated(client, world):
    r = client.post("/api/v1/auth/login", json={"username": "", "password": "x", "extra": 1})
    assert r.json["errors"] == {"username": ["长度须在 1 到 64 之间。"], "extra": ["未知字段。"]}
    r = client.post("/api/v1/auth/login", json={"username": "", "password": "x", "extra": 1},
                    headers={"Accept-Language": "en"})
    assert r.json["errors"] == {"username": ["Length must be between 1 and 64."], "extra": ["Unknown field."]}
    h = world.headers("admin")
    r = client.get("/api/v1/users", query_string={"per_page": 500}, headers=h)
    assert r.json["errors"] == {"per_page": ["须在 1 到 200 之间。"]}
    r = client.get("/api/v1/users", query_string={"role": "king"}, headers=h)
    assert r.json["errors"] == {"role": ["须为以下之一：admin, secretary, leader, member, department, resident。"]}
    r = client.get("/api/v1/users", query_string={"per_page": 500}, headers={**h, "Accept-Language": "en"})
    assert r.json["errors"]["per_page"] == ["Must be greater than or equal to 1 and less than or equal to 200."]


def test_nested_field_errors_are_translated(client, world):
    r = client.post("/api/v1/users", json={"username": "newbie", "name": "x", "roles": ["king", "admin", 3]},
                    headers=world.headers("admin"))
    assert r.status_code == 422
    roles = r.json["errors"]["roles"]
    assert roles["0"] == ["须为以下之一：admin, secretary, leader, member, department, resident。"]
    assert roles["2"] == ["不是有效的字符串。"]
    assert "1" not in roles


# ---- the catalogue ---------------------------------------------------------------

def test_translate():
    assert translate("Not found, or not visible to you.", "zh-CN") == "未找到，或您无权查看。"
    assert translate("Not found, or not visible to you.", "en") == "Not found, or not visible to you."
    assert translate("Too many attempts. Try again in {seconds} seconds.", "zh-CN", seconds=42) == \
        "尝试次数过多，请 42 秒后再试。"
    assert translate("Too many attempts. Try again in {seconds} seconds.", "en", seconds=42) == \
        "Too many attempts. Try again in 42 seconds."
    assert translate("Shorter than minimum length 8.", "zh-CN") == "长度不能少于 8。"
    assert translate("Shorter than minimum length 8.", "en") == "Shorter than minimum length 8."
    assert translate("Must be greater than or equal to -1.5.", "zh-CN") == "须大于或等于 -1.5。"
    assert translate("Some message nobody wrote down.", "zh-CN") == "Some message nobody wrote down."
    # a placeholder without a value leaves the text as it is rather than failing
    assert translate("A {child} cannot be placed under a {parent}.", "zh-CN", child="网格") == \
        "{child}不能设在{parent}之下。"


def test_translate_errors_walks_nested_structures():
    errors = {"a": ["Missing data for required field."],
              "b": {"0": ["Not a valid integer."], "_schema": ["Unknown field."]},
              "c": [["Not a valid list."]], "d": 5}
    assert translate_errors(errors, "zh-CN") == {"a": ["缺少必填字段。"], "b": {"0": ["不是有效的整数。"], "_schema": ["未知字段。"]},
                                                 "c": [["不是有效的列表。"]], "d": 5}
    assert translate_errors(errors, "en") == errors


def test_locale_outside_a_request_is_chinese(app):
    assert current_locale() == "zh-CN"
    with app.test_request_context(headers={"Accept-Language": "en-AU"}):
        assert current_locale() == "en"
    with app.test_request_context(headers={"Accept-Language": "ja"}):
        assert current_locale() == "zh-CN"


def test_translations_keep_their_placeholders():
    for msgid, zh in ZH.items():
        assert set(re.findall(r"{(\w+)}", msgid)) == set(re.findall(r"{(\w+)}", zh)), msgid
        assert re.search(r"[\u4e00-\u9fff]", zh), msgid  # actually Chinese


def _literal_messages():
    """Message ids written as literals in ApiError(...), field_error(...) and errors={...: [...]} in server/."""
    found = []
    for path in SERVER.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name not in ("ApiError", "field_error"):
                continue
            if len(node.args) > 1 and isinstance(node.args[1], ast.Constant) and isinstance(node.args[1].value, str):
                found.append((path.name, node.args[1].value))
            for kw in node.keywords:
                if kw.arg == "message" and isinstance(kw.value, ast.Constant):
                    found.append((path.name, kw.value.value))
                if kw.arg == "errors" and isinstance(kw.value, ast.Dict):
                    for v in kw.value.values:
                        for e in getattr(v, "elts", []):
                            if isinstance(e, ast.Constant):
                                found.append((path.name, e.value))
    return found


def test_every_message_the_server_raises_has_a_chinese_translation():
    found = _literal_messages()
    assert len(found) > 50  # the scan does find the messages
    missing = [(f, m) for f, m in found if translate(m, "zh-CN") == m]
    assert not missing


def _field_classes():
    used = set()
    for path in SERVER.rglob("*.py"):
        used |= set(re.findall(r"fields\.([A-Z]\w+)", path.read_text(encoding="utf-8")))
    return sorted(used)


@pytest.mark.parametrize("name", _field_classes())
def test_marshmallow_input_messages_are_translated(name):
    cls = getattr(fields, name)
    messages = {}
    for klass in reversed(cls.__mro__):
        messages.update(getattr(klass, "default_error_messages", {}))
    messages.pop("format", None)  # raised when dumping our own data, never for input
    for key, text in messages.items():
        formatted = text.format(obj_type=getattr(cls, "OBJ_TYPE", ""), awareness="aware", input="x")
        if "{" in text and key != "invalid_awareness" and "obj_type" not in text:
            continue
        if key == "invalid_awareness" and name not in ("AwareDateTime",):
            continue
        assert translate(formatted, "zh-CN") != formatted, (name, key, formatted)


def test_schema_level_messages_are_translated():
    for text in Schema.error_messages.values():
        assert translate(text, "zh-CN") != text
