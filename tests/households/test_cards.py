"""Printable contact cards (网格服务联系卡)."""
import segno


def test_cards_for_a_unit(client, world):
    r = client.get(f"/api/v1/households/cards?org_unit_id={world.m1a.id}", headers=world.headers("sec1"))
    assert r.status_code == 200 and r.mimetype == "text/html"
    html = r.get_data(as_text=True)
    assert html.count('class="card"') == 4  # h1, h2, h3, h_free
    assert world.h1.head_name in html and world.h1.address in html
    code = world.h1.card_code
    assert f"{code[:4]}-{code[4:8]}-{code[8:]}" in html
    assert "待分配" in html  # h_free has no member yet
    assert "便民服务热线：12345" in html
    link = f"http://localhost/bind?code={code}"
    assert segno.make(link, error="m").svg_inline(scale=2, omitsize=False) in html  # the QR of the bind link


def test_cards_by_ids_and_scope(client, world):
    h = world.headers("sec1")
    r = client.get(f"/api/v1/households/cards?ids={world.h1.id},{world.h4.id},{world.h5.id}", headers=h)
    assert r.get_data(as_text=True).count('class="card"') == 2  # h5 is in another grid
    assert client.get(f"/api/v1/households/cards?org_unit_id={world.g2.id}", headers=h).status_code == 404
    assert client.get("/api/v1/households/cards?ids=1,x", headers=h).status_code == 422
    assert client.get("/api/v1/households/cards", headers=world.headers("member1")).status_code == 403
    html = client.get(f"/api/v1/households/cards?ids={world.h1.id}", headers=h).get_data(as_text=True)
    from sqlalchemy import select

    from server.auth.models import User
    from server.extensions import db
    assert db.session.scalar(select(User.name).where(User.id == world.sec1.id)) in html  # the grid secretary
