"""A Web Push service on 127.0.0.1 for tests: checks the VAPID JWT (signature and claims) and
decrypts each message with the subscription's private key, as a browser vendor's service would."""
import base64
import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature


def b64d(s: str) -> bytes:
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def b64e(b: bytes) -> str:
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


class PushService:
    def __init__(self, vapid_public_key: str):
        self.vapid_public_key = vapid_public_key
        self.received: list[dict] = []
        self.rejected: list[str] = []
        self.behaviour: dict[str, object] = {}  # name -> HTTP status, or ("hang", seconds)
        self.keys: dict[str, tuple] = {}
        self.lock = threading.Lock()
        service = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                name = self.path.rsplit("/", 1)[-1]
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                problem, message = service._check(name, self.headers, body)
                if problem:
                    with service.lock:
                        service.rejected.append(problem)
                    self.send_response(400)
                    self.end_headers()
                    return
                action = service.behaviour.get(name, 201)
                if isinstance(action, tuple) and action[0] == "hang":
                    time.sleep(action[1])
                    action = 201
                if 200 <= int(action) < 300:  # only accepted messages count as delivered
                    with service.lock:
                        service.received.append(message)
                self.send_response(int(action))
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.origin = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def subscription(self, name: str) -> dict:
        """A browser-like subscription with its own P-256 key pair and auth secret."""
        private = ec.generate_private_key(ec.SECP256R1())
        auth = os.urandom(16)
        self.keys[name] = (private, auth)
        public = private.public_key().public_bytes(serialization.Encoding.X962,
                                                   serialization.PublicFormat.UncompressedPoint)
        return {"endpoint": f"{self.origin}/push/{name}", "expirationTime": None,
                "keys": {"p256dh": b64e(public), "auth": b64e(auth)}}

    def _check(self, name: str, headers, body: bytes) -> tuple[str | None, dict | None]:
        auth = headers.get("Authorization", "")
        if not auth.startswith("vapid "):
            return "no vapid authorization", None
        parts = dict(p.strip().split("=", 1) for p in auth[len("vapid "):].split(","))
        token, key = parts.get("t", ""), parts.get("k", "")
        if key != self.vapid_public_key:
            return "unknown application server key", None
        head, payload, sig = token.split(".")
        raw = b64d(sig)
        der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
        public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64d(key))
        try:
            public.verify(der, f"{head}.{payload}".encode(), ec.ECDSA(hashes.SHA256()))
        except Exception:
            return "bad VAPID signature", None
        claims = json.loads(b64d(payload))
        now = time.time()
        if claims.get("aud") != self.origin:
            return f"wrong aud {claims.get('aud')}", None
        if not (now < claims.get("exp", 0) <= now + 24 * 3600):
            return "bad exp", None
        if not str(claims.get("sub", "")).startswith("mailto:"):
            return "bad sub", None
        if headers.get("Content-Encoding") != "aes128gcm" or headers.get("TTL") is None:
            return "missing content-encoding or TTL", None
        private, secret = self.keys[name]
        try:
            plain = http_ece.decrypt(body, private_key=private, auth_secret=secret, version="aes128gcm")
        except Exception as exc:
            return f"cannot decrypt: {exc}", None
        return None, {"name": name, "payload": json.loads(plain), "ttl": int(headers["TTL"]), "claims": claims}
