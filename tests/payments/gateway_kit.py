"""Test keys and a real local HTTP server answering what each test scripts, for the gateway adapters."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from Crypto.Hash import SHA256
from Crypto.IO import PEM
from Crypto.PublicKey import RSA
from Crypto.PublicKey.RSA import RsaKey
from Crypto.Signature import pkcs1_15
from Crypto.Util.asn1 import DerBitString, DerNull, DerObject, DerObjectId, DerSequence, DerSetOf


@functools.cache
def rsa_key(role: str) -> RsaKey:
    """One 2048-bit key per role for the whole session: generating them is the slow part."""
    return RSA.generate(2048)


@dataclass
class Seen:
    method: str
    path: str  # with the query
    headers: dict[str, str]
    body: bytes


Answer = tuple[int, dict[str, str], bytes]


@dataclass
class GatewayServer:
    """A real HTTP server on an ephemeral port; `answer` builds each reply from the request seen."""

    answer: Callable[[Seen], Answer] = lambda seen: (404, {}, b"")
    seen: list[Seen] = field(default_factory=list)

    def __post_init__(self) -> None:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                seen = Seen(self.command, self.path, dict(self.headers.items()), self.rfile.read(length))
                outer.seen.append(seen)
                status, headers, body = outer.answer(seen)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _serve

            def log_message(self, format, *args):  # noqa: A002 - the stdlib's signature
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


# -- certificates, built with the same ASN.1 toolkit the adapter reads them with ----------------

SHA256_WITH_RSA = "1.2.840.113549.1.1.11"


def _name(cn: str) -> bytes:
    attribute = DerSequence([DerObjectId("2.5.4.3"), DerObject(0x0C, cn.encode("utf-8"))]).encode()
    organisation = DerSequence([DerObjectId("2.5.4.10"), DerObject(0x0C, b"Wattkeeper Test")]).encode()
    return DerSequence([DerSetOf([organisation]).encode(), DerSetOf([attribute]).encode()]).encode()


def _time(moment: datetime) -> bytes:
    if moment.year < 2050:
        return DerObject(0x17, moment.strftime("%y%m%d%H%M%SZ").encode()).encode()
    return DerObject(0x18, moment.strftime("%Y%m%d%H%M%SZ").encode()).encode()


def make_cert(*, subject: str, key: RsaKey, issuer: str, issuer_key: RsaKey, serial: int,
              not_before: datetime, not_after: datetime, tamper: bool = False) -> str:
    """A PEM X.509 v3 certificate signed SHA256withRSA by issuer_key."""
    algorithm = DerSequence([DerObjectId(SHA256_WITH_RSA), DerNull()]).encode()
    tbs = DerSequence([
        b"\xa0\x03\x02\x01\x02", serial, algorithm, _name(issuer),
        DerSequence([_time(not_before), _time(not_after)]).encode(), _name(subject),
        key.public_key().export_key(format="DER"),
    ]).encode()
    signature = pkcs1_15.new(issuer_key).sign(SHA256.new(tbs))
    if tamper:
        signature = signature[:-1] + bytes([signature[-1] ^ 1])
    der = DerSequence([tbs, algorithm, DerBitString(signature)]).encode()
    return PEM.encode(der, "CERTIFICATE")


@dataclass
class UnionpayPki:
    """A root, an intermediate under it, and UnionPay's signing certificate under that."""

    root: str
    intermediate: str
    signer: str
    signer_key: RsaKey
    merchant_cert: str
    merchant_key: RsaKey


SIGNER_CN = "中国银联股份有限公司"
EPOCH = datetime(2020, 1, 1, tzinfo=UTC)
END = datetime(2060, 1, 1, tzinfo=UTC)


@functools.cache
def unionpay_pki() -> UnionpayPki:
    root_key, inter_key = rsa_key("unionpay-root"), rsa_key("unionpay-intermediate")
    signer_key, merchant_key = rsa_key("unionpay-signer"), rsa_key("unionpay-merchant")
    root = make_cert(subject="Test Root CA", key=root_key, issuer="Test Root CA", issuer_key=root_key,
                     serial=1, not_before=EPOCH, not_after=END)
    intermediate = make_cert(subject="Test Intermediate CA", key=inter_key, issuer="Test Root CA",
                             issuer_key=root_key, serial=2, not_before=EPOCH, not_after=END)
    signer = make_cert(subject=SIGNER_CN, key=signer_key, issuer="Test Intermediate CA",
                       issuer_key=inter_key, serial=68759585097, not_before=EPOCH, not_after=END)
    merchant = make_cert(subject="777290058110048", key=merchant_key, issuer="Test Intermediate CA",
                         issuer_key=inter_key, serial=69042905377, not_before=EPOCH, not_after=END)
    return UnionpayPki(root, intermediate, signer, signer_key, merchant, merchant_key)
