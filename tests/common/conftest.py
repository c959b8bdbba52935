"""A separate app for tests that must add routes (the session app is past its first request)."""
import pytest

from server import create_app


@pytest.fixture
def fresh_app(tmp_path):
    """An app built like the session ``app`` fixture, on its own SQLite file and instance folder."""
    from py_vapid import Vapid

    v = Vapid()
    v.generate_keys()
    return create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'fresh.db'}",
        "JWT_SECRET_KEY": "test-secret-not-for-production-0123456789",
        "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 1024, "ARGON2_PARALLELISM": 1,
        "RATELIMIT_STORAGE_URI": "memory://",
        "VAPID_PRIVATE_KEY": v.private_pem().decode(),
    }, instance_path=str(tmp_path / "instance"))
