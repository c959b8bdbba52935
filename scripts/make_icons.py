"""Render pwa/icons/icon.svg to the PNG icons of the manifest with Debian's Chromium.

Run by hand after changing the SVG: .venv/bin/python scripts/make_icons.py
(needs the chromium and fonts-wqy-zenhei packages; the PNGs are committed).
"""
from pathlib import Path

from playwright.sync_api import sync_playwright

ICONS = Path(__file__).resolve().parents[1] / "pwa" / "icons"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def main() -> None:
    svg = (ICONS / "icon.svg").read_text()
    # maskable: full-bleed background, artwork inside the 80% safe zone
    maskable = svg.replace('rx="96"', 'rx="0"').replace("<path", '<g transform="translate(51 51) scale(.8)"><path', 1) \
        .replace("</text>", "</text></g>")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        for name, size, source in (("icon-192.png", 192, svg), ("icon-512.png", 512, svg),
                                   ("icon-maskable-512.png", 512, maskable)):
            page = browser.new_page(viewport={"width": size, "height": size})
            page.set_content(f"<style>body{{margin:0}}svg{{width:{size}px;height:{size}px;display:block}}</style>{source}")
            page.screenshot(path=str(ICONS / name), omit_background=True)
            page.close()
        browser.close()


if __name__ == "__main__":
    main()
