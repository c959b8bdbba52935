def test_member_sees_own_households(client, world):
    r = client.get("/api/v1/me/households", headers=world.headers("member1"))
    assert r.status_code == 200
    assert sorted(h["id"] for h in r.json) == sorted([world.h1.id, world.h2.id, world.h3.id])
