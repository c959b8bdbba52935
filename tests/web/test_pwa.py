"""The web app's files: weight budget, precache list, catalogues, and how Flask serves them."""
import gzip
import json
import re
from pathlib import Path

PWA = Path(__file__).resolve().parents[2] / "pwa"
BUDGET = 60 * 1024  # all JS + CSS of the first load, gzipped


def first_load_files() -> set[Path]:
    """index.html's script and stylesheet, and every module they import, statically."""
    html = (PWA / "index.html").read_text()
    todo = [PWA / m.lstrip("/") for m in re.findall(r'<script type="module" src="([^"]+)"', html)]
    files = {PWA / m.lstrip("/") for m in re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)}
    while todo:
        f = todo.pop()
        if f in files:
            continue
        files.add(f)
        for spec in re.findall(r"""^import\s.*?from\s+['"](\.[^'"]+)['"]""", f.read_text(), re.M):
            todo.append((f.parent / spec).resolve())
    return files


def test_first_load_fits_the_budget():
    files = first_load_files()
    assert PWA / "js" / "app.js" in files and PWA / "css" / "app.css" in files
    assert len(files) >= 10
    total = sum(len(gzip.compress(f.read_bytes(), compresslevel=6)) for f in files)
    print(f"first load: {len(files)} files, {total / 1024:.1f} KB gzipped (budget {BUDGET // 1024} KB)")
    assert total <= BUDGET


def test_service_worker_precaches_every_app_file():
    sw = (PWA / "sw.js").read_text()
    listed = set(re.findall(r"'(/[^']*)'", sw.split("const SHELL = [")[1].split("];")[0]))
    on_disk = {"/" + str(p.relative_to(PWA)) for p in PWA.rglob("*")
               if p.is_file() and p.suffix in (".js", ".css", ".png") and p.name != "sw.js"}
    assert on_disk <= listed, on_disk - listed
    assert {"/", "/manifest.webmanifest"} <= listed


def test_no_outside_hosts():
    for f in PWA.rglob("*"):
        if f.is_file() and f.suffix in (".html", ".js", ".css", ".webmanifest"):
            hosts = re.findall(r"https?://([a-zA-Z0-9.-]+)", f.read_text())
            assert not [h for h in hosts if h not in ("127.0.0.1", "localhost", "www.w3.org")], f


def test_catalogues_cover_every_string():
    source = (PWA / "js" / "i18n.js").read_text()
    blocks = {name: set(re.findall(r"(?:^|[\s,{])(\w+): '", body))
              for name, body in (("zh", source.split("const zh = {")[1].split("};")[0]),
                                 ("en", source.split("const en = {")[1].split("};")[0]))}
    assert blocks["zh"] == blocks["en"], blocks["zh"] ^ blocks["en"]
    used = set()
    for f in (PWA / "js").rglob("*.js"):
        used |= set(re.findall(r"\bt\('(\w+)'", f.read_text()))
    assert used <= blocks["zh"], used - blocks["zh"]


def test_manifest_fields():
    m = json.loads((PWA / "manifest.webmanifest").read_text())
    assert m["lang"] == "zh-CN" and m["display"] == "standalone" and m["theme_color"]
    assert {"192x192", "512x512"} <= {i["sizes"] for i in m["icons"]}
    assert any(i.get("purpose") == "maskable" for i in m["icons"])
    for icon in m["icons"]:
        png = (PWA / icon["src"].lstrip("/")).read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        w, h = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
        assert f"{w}x{h}" == icon["sizes"]


def test_flask_serves_the_app(client):
    def get(path):
        resp = client.get(path)
        resp.get_data()  # read and close the file behind it
        resp.close()
        return resp

    r = get("/")
    assert r.status_code == 200 and b'<script type="module" src="/js/app.js">' in r.data
    assert "script-src 'self'" in r.headers["Content-Security-Policy"]
    assert get("/bind?code=ABCD").data == r.data
    sw = get("/sw.js")
    assert sw.status_code == 200 and sw.mimetype == "text/javascript" and "no-cache" in sw.headers["Cache-Control"]
    assert sw.headers["Service-Worker-Allowed"] == "/"
    assert get("/manifest.webmanifest").mimetype == "application/manifest+json"
    assert get("/js/app.js").status_code == 200
    assert get("/icons/icon-192.png").mimetype == "image/png"
    assert get("/js/../../server/config.py").status_code == 404
    assert get("/js/nope.js").status_code == 404
    assert get("/api/v1/nope").json["status"] == 404  # the API keeps its JSON errors
