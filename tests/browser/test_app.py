"""The web app in a real browser: every role's home, a visit online and offline, the whole request
loop through the UI, the manifest and service worker, push notifications, logout."""
import json

import pytest
from sqlalchemy import func, select

from server.common.idempotency import IdempotencyKey
from server.requests.models import Request
from server.visits.models import Visit
from tests.browser.conftest import login

HOMES = {  # username -> (title, selector that shows the role's own home)
    "demo_member": ("我联系的住户", ".hh"),
    "demo_member2": ("我联系的住户", ".hh"),
    "demo_leader": ("我联系的党员", ".card"),
    "demo_secretary": ("待派单", ".req"),
    "demo_admin": ("待派单", ".req"),
    "demo_department": ("吹哨到本部门", ".req"),
    "demo_resident": ("我家", "a[href^='tel:']"),
}


def visits(live):
    return live.query(lambda s: s.scalar(select(func.count()).select_from(Visit)))


@pytest.mark.parametrize("username", list(HOMES))
def test_each_role_sees_its_home(new_page, username):
    page = new_page()
    login(page, username)
    title, selector = HOMES[username]
    page.wait_for_selector(selector)
    assert page.text_content("#title") == title
    assert page.is_visible("#tabs")
    assert not page.errors


def test_member_home_is_most_urgent_first(new_page):
    page = new_page()
    login(page, "demo_member")
    page.wait_for_selector(".hh")
    cards = page.query_selector_all(".hh")
    assert len(cards) == 10
    classes = [c.get_attribute("class") for c in cards]
    assert "overdue" in classes[0]
    assert any("soon" in c for c in classes)
    assert page.locator(".hh .chip", has_text="独居老人").count() == 1


def _log_visit(page, note):
    page.click(".hh .visit-btn >> nth=0")              # tap 1
    page.fill("textarea[name=notes]", note)
    page.click("button.choice[data-value=medical]")
    page.click("button[type=submit]")                  # tap 2 (3 with a concern chip)
    page.wait_for_function("location.hash === '#/households'")


def _wait_controlled(page):
    page.wait_for_function("navigator.serviceWorker && navigator.serviceWorker.controller !== null", timeout=30000)


def test_visit_online_then_offline_then_sent_once(new_page, live):
    page = new_page()
    login(page, "demo_member")
    page.wait_for_selector(".hh")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()
    _wait_controlled(page)
    page.wait_for_selector(".hh")

    before = visits(live)
    _log_visit(page, "在线走访")
    page.wait_for_selector("#toast:has-text('走访已记录')")
    assert visits(live) == before + 1

    page.context.set_offline(True)
    page.reload()                                       # the shell loads with no network
    page.wait_for_selector(".hh")
    assert "离线数据" in page.text_content("#banner")
    _log_visit(page, "离线走访")
    page.wait_for_selector("#outbox-badge:has-text('待发送 1 条')")
    assert visits(live) == before + 1

    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_selector("#outbox-badge", state="hidden")
    assert visits(live) == before + 2
    notes = live.query(lambda s: s.scalars(select(Visit.notes).order_by(Visit.id.desc()).limit(2)).all())
    assert notes == ["离线走访", "在线走访"]
    assert not page.errors


def test_a_500_keeps_the_visit_queued_and_the_retry_stores_one(new_page, live):
    page = new_page()
    login(page, "demo_member")
    page.wait_for_selector(".hh")
    before = visits(live)
    calls = []

    def server_stores_but_answer_is_lost(route):
        calls.append(route.request.headers.get("idempotency-key"))
        route.fetch()                                   # the server stores it …
        route.fulfill(status=500, body="{}")            # … but the phone sees a 500

    page.route("**/api/v1/visits", server_stores_but_answer_is_lost)
    _log_visit(page, "重试走访")
    page.wait_for_selector("#toast:has-text('联网后自动发送')")  # kept in the outbox, not lost
    assert visits(live) == before + 1
    page.unroute("**/api/v1/visits")
    # retried by Background Sync in the service worker, or by the page when it hears `online`
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_selector("#outbox-badge", state="hidden")
    assert page.evaluate("indexedDB.databases().then(() => true)")
    assert visits(live) == before + 1                    # the retry was replayed by its key: no second visit
    assert len(calls) == 1 and calls[0]
    keys = live.query(lambda s: s.scalar(select(func.count()).select_from(IdempotencyKey).where(
        IdempotencyKey.key == calls[0])))
    assert keys == 1


def test_a_4xx_shows_on_the_item(new_page, live):
    page = new_page()
    login(page, "demo_member")
    page.wait_for_selector(".hh")
    page.route("**/api/v1/visits", lambda route: route.fulfill(
        status=422, content_type="application/json",
        body=json.dumps({"status": 422, "message": "输入有误，请检查后重试。", "errors": {"notes": ["太长"]}})))
    page.click(".hh .visit-btn >> nth=0")
    page.click("button[type=submit]")
    page.wait_for_selector("#toast:has-text('输入有误')")
    page.wait_for_selector("#outbox-badge:has-text('发送失败 1')")
    page.unroute("**/api/v1/visits")
    page.click("#outbox-badge")
    page.wait_for_selector(".card .error:has-text('输入有误')")
    page.click("button.danger:has-text('丢弃')")
    page.wait_for_selector("#outbox-badge", state="hidden")


def test_request_loop_through_the_ui(new_page, live):
    resident = new_page()
    login(resident, "demo_resident")
    resident.click("a[href='#/new-request']")
    resident.click("button.choice[data-value=service]")
    resident.fill("input[name=title]", "请帮忙办理高龄津贴")
    resident.fill("textarea[name=description]", "老人 80 岁了")
    resident.click("button[type=submit]")
    resident.wait_for_function("/^#\\/requests\\/\\d+$/.test(location.hash)")
    rid = int(resident.evaluate("location.hash.split('/').pop()"))

    secretary = new_page()
    login(secretary, "demo_secretary")
    card = secretary.locator(f".req[data-id='{rid}']")
    card.wait_for()
    member_id = live.query(lambda s: s.execute(__import__("sqlalchemy").text(
        "select m.id from members m join users u on u.id = m.user_id where u.username = 'demo_member'")).scalar())
    card.locator("select[name=assignee_id] option[value='%d']" % member_id).wait_for(state="attached")
    card.locator("select[name=assignee_id]").select_option(str(member_id))
    card.locator("button[type=submit]").click()
    secretary.wait_for_selector(f".req[data-id='{rid}']", state="detached")

    member = new_page()
    login(member, "demo_member")
    member.goto(f"/#/requests/{rid}")
    member.click("form[data-action=accept] button")
    member.wait_for_selector("form[data-action=resolve]")
    member.fill("form[data-action=resolve] textarea", "已上门帮助申领，材料已提交")
    member.click("form[data-action=resolve] button")
    member.wait_for_selector(".timeline li:has-text('办结')")

    resident.goto(f"/#/requests/{rid}")
    resident.reload()  # the same hash: load the request afresh
    resident.wait_for_selector("form[data-action=rate]")
    resident.click("form[data-action=rate] button.choice[data-value='5']")
    resident.fill("form[data-action=rate] textarea[name=comment]", "非常满意")
    resident.click("form[data-action=rate] button[type=submit]")
    resident.wait_for_selector(".timeline li:has-text('评价')")

    req = live.query(lambda s: s.get(Request, rid))
    assert req.status == "closed" and req.rating == 5 and req.rating_comment == "非常满意"
    steps = [e.strip() for e in resident.locator(".timeline li strong").all_text_contents()]
    assert steps == ["提交", "派单", "接单", "办结", "评价"]


def test_manifest_and_service_worker(new_page, live):
    page = new_page()
    page.goto("/")
    href = page.get_attribute("link[rel=manifest]", "href")
    manifest = page.request.get(href)
    assert manifest.headers["content-type"].startswith("application/manifest+json")
    m = manifest.json()
    assert m["display"] == "standalone" and m["start_url"] == "/" and m["short_name"] == "联系户"
    sizes = {(i["sizes"], i.get("purpose", "any")) for i in m["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes
    for icon in m["icons"]:
        assert page.request.get(icon["src"]).status == 200
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")  # installed (shell precached) and active
    page.reload()
    _wait_controlled(page)
    assert page.evaluate("navigator.serviceWorker.controller.scriptURL").endswith("/sw.js")


def test_push_message_shows_a_notification(new_page, live):
    page = new_page()
    page.context.grant_permissions(["notifications"], origin=live.base_url)
    cdp = page.context.new_cdp_session(page)
    registrations = []
    cdp.on("ServiceWorker.workerRegistrationUpdated",
           lambda e: registrations.extend(r["registrationId"] for r in e["registrations"]))
    cdp.send("ServiceWorker.enable")
    page.goto("/")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.wait_for_timeout(300)
    assert registrations
    payload = {"id": 1, "title": "新派单", "body": "「楼道灯不亮」已派给您", "url": "/#/requests/1", "tag": "request_dispatched"}
    page.evaluate("navigator.serviceWorker.ready.then(r => new Promise(res => { const w = r.active;"
                  " if (w.state === 'activated') res(); else w.addEventListener('statechange', () => res()); }))")
    shown = []
    for attempt in range(4):  # a loaded machine may be slow to wake the worker: deliver again, never twice shown
        cdp.send("ServiceWorker.deliverPushMessage", {"origin": live.base_url, "registrationId": registrations[-1],
                                                       "data": json.dumps(payload, ensure_ascii=False)})
        for _ in range(50):
            shown = page.evaluate("navigator.serviceWorker.ready.then(r => r.getNotifications())"
                                  ".then(ns => ns.map(n => ({title: n.title, body: n.body, url: n.data.url})))")
            if shown:
                break
            page.wait_for_timeout(100)
        if shown:
            break
    assert shown == [{"title": "新派单", "body": "「楼道灯不亮」已派给您", "url": "/#/requests/1"}]


def test_bind_link_opens_the_form_filled_in(new_page):
    page = new_page()
    page.goto("/bind?code=ABCD-EFGH-JKMN")
    page.wait_for_selector("input[name=card_code]")
    assert page.input_value("input[name=card_code]") == "ABCD-EFGH-JKMN"
    assert page.text_content("#title") == "用联系卡绑定我家"


def test_english_by_switch(new_page):
    page = new_page()
    login(page, "demo_member2")
    page.goto("/#/settings")
    page.select_option("select[name=locale]", "en")
    page.wait_for_selector("#title:has-text('Settings')")
    page.goto("/#/households")
    page.wait_for_selector("#title:has-text('My households')")
    assert page.locator(".tabs a", has_text="Households").count() == 1
    page.goto("/#/settings")
    page.select_option("select[name=locale]", "zh-CN")
    page.wait_for_selector("#title:has-text('设置')")


def test_logout_leaves_nothing_personal(new_page):
    page = new_page()
    login(page, "demo_member2")
    page.wait_for_selector(".hh")
    assert page.evaluate(_IDB_KEYS)  # reads were cached for offline use
    page.goto("/#/settings")
    page.click("button.danger.big")
    page.wait_for_function("location.hash === '#/login'")
    keys = page.evaluate(_IDB_KEYS)
    assert not [k for k in keys if k != "settings"], keys
    cached = page.evaluate("caches.keys().then(ks => Promise.all(ks.map(k => caches.open(k).then(c => c.keys()))))"
                           ".then(all => all.flat().map(r => r.url))")
    assert not [u for u in cached if "/api/" in u]


_IDB_KEYS = """new Promise((resolve, reject) => {
  const r = indexedDB.open('linkage', 1);
  r.onsuccess = () => { const t = r.result.transaction('kv', 'readonly').objectStore('kv').getAllKeys();
    t.onsuccess = () => resolve(t.result); t.onerror = () => reject(t.error); };
  r.onerror = () => reject(r.error);
})"""


def test_secretary_dashboard_and_contact_cards(new_page):
    page = new_page()
    login(page, "demo_secretary")
    page.goto("/#/dashboard")
    page.wait_for_selector("svg.chart")
    assert page.locator(".tile").count() == 8
    assert page.locator("svg.chart").count() == 3
    assert page.locator("svg.chart rect").count() >= 5  # five bags at least
    with page.context.expect_page() as popup:
        page.click("button:has-text('打印联系卡')")
    cards = popup.value
    cards.wait_for_selector("section.card")
    assert cards.locator("section.card").count() > 100  # grid 1's households
    assert cards.locator("section.card svg").count() == cards.locator("section.card").count()
