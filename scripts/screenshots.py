"""Screenshots of the main screens with the demo data, for the README (docs/screenshots/).

Run by hand: .venv/bin/python scripts/screenshots.py   (needs chromium and fonts-wqy-zenhei)
"""
import tempfile
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from server import create_app

OUT = Path(__file__).resolve().parents[1] / "docs" / "screenshots"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

SHOTS = [  # (user, route, wait for, file)
    (None, "/#/login", "form", "login"),
    ("demo_member", "/#/households", ".hh", "member-households"),
    ("demo_member", "visit", "textarea[name=notes]", "member-visit"),
    ("demo_member", "household", ".card h2", "member-household"),
    ("demo_member", "/#/requests", ".req", "member-requests"),
    ("demo_member", "/#/diary", ".card", "member-diary"),
    ("demo_leader", "/#/members", ".card", "leader-members"),
    ("demo_secretary", "/#/board", ".req", "secretary-board"),
    ("demo_secretary", "/#/assign", ".pick", "secretary-assign"),
    ("demo_secretary", "/#/overdue", ".card", "secretary-overdue"),
    ("demo_secretary", "/#/dashboard", "svg.chart", "secretary-dashboard"),
    ("demo_secretary", "cards", "section.card", "contact-cards"),
    ("demo_department", "/#/dept", ".req", "department"),
    ("demo_resident", "/#/home", "a[href^='tel:']", "resident-home"),
    ("demo_resident", "/#/new-request", ".bags", "resident-new-request"),
    ("demo_resident", "request", ".timeline", "resident-request"),
    ("demo_member", "/#/inbox", "main", "inbox"),
    ("demo_member", "/#/settings", "select[name=locale]", "settings"),
]


def main() -> None:
    tmp = Path(tempfile.mkdtemp())
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'demo.db'}", "JWT_SECRET_KEY": "screenshots-" * 4})
    with app.app_context():
        from flask_migrate import upgrade

        from seed.demo import seed_demo
        upgrade()
        seed_demo(progress=False)
        from server.push.rules import scan
        scan()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        pages = {}
        for user, route, selector, name in SHOTS:
            if user not in pages:
                ctx = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN", base_url=base,
                                          device_scale_factor=2, bypass_csp=True,
                                          timezone_id="Asia/Shanghai")
                page = ctx.new_page()
                page.goto("/")
                if user:
                    page.fill("input[name=username]", user)
                    page.fill("input[name=password]", "linkage-demo")
                    page.click("button[type=submit]")
                    page.wait_for_function("location.hash && location.hash !== '#/login'")
                pages[user] = page
            page = pages[user]
            if route == "visit":
                page.goto("/#/households")
                page.click(".hh .visit-btn >> nth=0")
                page.click("button.choice[data-value=medical]")
                page.fill("textarea[name=notes]", "老人血压偏高，叮嘱按时服药，约好下周陪同复查。")
            elif route == "household":
                page.goto("/#/households")
                page.click(".hh .hh-main >> nth=2")
            elif route == "cards":
                token = page.evaluate("""new Promise(res => { const r = indexedDB.open('linkage', 1);
                    r.onsuccess = () => { const g = r.result.transaction('kv').objectStore('kv').get('auth');
                    g.onsuccess = () => res(g.result.access_token); }; })""")
                resp = page.request.get("/api/v1/households/cards?ids=1,2,3,4,5,6,7,8",
                                        headers={"Authorization": f"Bearer {token}"})
                cards = page.context.new_page()
                cards.set_viewport_size({"width": 800, "height": 1100})
                cards.set_content(resp.text())
                cards.wait_for_selector(selector)
                cards.screenshot(path=str(OUT / f"{name}.png"), full_page=True)
                cards.close()
                print("saved", name)
                continue
            elif route == "request":
                page.goto("/#/home")
                page.click(".req a >> nth=0")
            else:
                page.goto(route)
            page.wait_for_selector(selector)
            page.wait_for_timeout(300)
            page.screenshot(path=str(OUT / f"{name}.png"))
            print("saved", name)
        browser.close()
    server.shutdown()


if __name__ == "__main__":
    main()
