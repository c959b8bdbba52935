"""Browser tests: Debian's Chromium driven by Playwright against the app served on 127.0.0.1
with the demo data, at a 360×740 phone viewport."""
import os
import threading
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PHONE = {"width": 360, "height": 740}


def pytest_collection_modifyitems(config, items):
    if Path(CHROMIUM).exists():
        return
    if os.environ.get("REQUIRE_BROWSER"):
        raise pytest.UsageError(f"REQUIRE_BROWSER is set but {CHROMIUM} is missing (apt-get install chromium)")
    skip = pytest.mark.skip(reason=f"{CHROMIUM} not installed (apt-get install chromium)")
    for item in items:
        if "browser" in str(item.fspath):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def live(tmp_path_factory):
    """The app with the demo data on a free port, in a thread; its own SQLite database."""
    from werkzeug.serving import make_server

    from server import create_app
    from server.extensions import db

    path = tmp_path_factory.mktemp("live") / "demo.db"
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}", "JWT_SECRET_KEY": "live-test-secret-0123456789abcdef",
                      "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 1024, "ARGON2_PARALLELISM": 1,
                      "LOGIN_LIMIT_PER_ADDRESS": "1000 per minute", "VAPID_SUBJECT": "mailto:test@localhost"})
    with app.app_context():
        from flask_migrate import upgrade

        from seed.demo import seed_demo
        upgrade()
        seed_demo(progress=False)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    app.base_url = f"http://127.0.0.1:{server.server_port}"

    def query(fn):
        with app.app_context():
            try:
                return fn(db.session)
            finally:
                db.session.remove()

    app.query = query
    yield app
    server.shutdown()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def new_page(browser, live):
    """A fresh phone-sized context per call (one per user in multi-user tests)."""
    contexts = []

    def make(**kw):
        # bypass_csp: Playwright polls wait_for_function by evaluating strings, which our CSP forbids
        ctx = browser.new_context(viewport=PHONE, locale="zh-CN", base_url=live.base_url, bypass_csp=True, **kw)
        contexts.append(ctx)
        page = ctx.new_page()
        page.errors = []
        page.on("pageerror", lambda e: page.errors.append(str(e)))
        return page

    yield make
    for ctx in contexts:
        ctx.close()


def login(page, username, password="linkage-demo"):
    page.goto("/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    page.wait_for_function("location.hash && location.hash !== '#/login'")
