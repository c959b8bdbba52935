"""The VAPID key pair (RFC 8292): from VAPID_PRIVATE_KEY, else generated into instance/ once."""
import base64

from cryptography.hazmat.primitives import serialization
from flask import current_app
from py_vapid import Vapid

from server.config import instance_secret


def _new_pem() -> str:
    v = Vapid()
    v.generate_keys()
    return v.private_pem().decode()


def vapid() -> Vapid:
    """The app's Vapid signer (cached per app)."""
    v = current_app.extensions.get("linkage.vapid")
    if v is None:
        pem = current_app.config.get("VAPID_PRIVATE_KEY") or instance_secret(
            current_app.instance_path, "vapid-private.pem", make=_new_pem)
        v = Vapid.from_pem(pem.encode()) if "BEGIN" in pem else Vapid.from_string(pem)
        current_app.extensions["linkage.vapid"] = v
    return v


def public_key_b64() -> str:
    """The application server key for ``pushManager.subscribe`` (base64url, uncompressed point)."""
    raw = vapid().public_key.public_bytes(serialization.Encoding.X962,
                                          serialization.PublicFormat.UncompressedPoint)
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
