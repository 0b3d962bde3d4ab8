"""A sandbox gateway subprocess, a notify receiver, and merchant-side clients for the three
gateways written with pycryptodome directly (independent of the sandbox's own signing code)."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import subprocess
import sys
import threading
import time
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo

import requests
from Crypto.Hash import SHA256
from Crypto.PublicKey import RSA
from Crypto.Signature import pkcs1_15
from Crypto.Util.asn1 import DerBitString, DerObject, DerObjectId, DerSequence, DerSetOf

ROOT = Path(__file__).resolve().parents[2]
SHANGHAI = ZoneInfo("Asia/Shanghai")
TIMEOUT = 10


def sign(key: RSA.RsaKey, message: bytes) -> str:
    return base64.b64encode(pkcs1_15.new(key).sign(SHA256.new(message))).decode()


def verify(key: RSA.RsaKey, message: bytes, signature: str) -> bool:
    try:
        pkcs1_15.new(key).verify(SHA256.new(message), base64.b64decode(signature))
    except (ValueError, TypeError):
        return False
    return True


def read_key(path: str) -> RSA.RsaKey:
    return RSA.import_key(Path(path).read_bytes())


class Sandbox:
    """`python -m ops.sandbox_gateway` on a free port; `stop()` ends it."""

    def __init__(self, instance: Path, time_scale: float | None = 0.01, env: dict | None = None) -> None:
        """time_scale None: the process takes SANDBOX_TIME_SCALE from `env`, or its default."""
        self.log = open(instance.parent / f"{instance.name}-sandbox.log", "ab")  # noqa: SIM115
        command = [sys.executable, "-m", "ops.sandbox_gateway", "--host", "127.0.0.1", "--port", "0"]
        command += ["--instance", str(instance)]
        if time_scale is not None:
            command += ["--time-scale", str(time_scale)]
        self.process = subprocess.Popen(
            command,
            env={**os.environ, **(env or {})},
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
        )
        self.banner = self.process.stdout.readline()
        if not self.banner:
            self.stop()
            raise RuntimeError("the sandbox gateway did not start; see " + self.log.name)
        self.url = self.banner.split(" at ", 1)[1].split(" ", 1)[0]
        self.toml_path = Path(self.banner.split("payments config: ", 1)[1].rstrip(")\n"))
        self.config = tomllib.loads(self.toml_path.read_text(encoding="utf-8"))["default"]

    def admin(self, method: str, path: str, payload: dict | None = None):
        response = requests.request(method, f"{self.url}/admin{path}", json=payload, timeout=TIMEOUT)
        response.raise_for_status()
        return response.json()

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
        self.process.stdout.close()
        self.log.close()


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float


@dataclass
class Receiver:
    """A merchant's notify endpoint: records every request, answers from a per-path script."""

    replies: dict[str, list[tuple[int, bytes]]] = field(default_factory=dict)
    default: dict[str, tuple[int, bytes]] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.received.append(Received(self.path, dict(self.headers), body, time.time()))
                queued = receiver.replies.get(self.path)
                status, reply = (
                    queued.pop(0) if queued else receiver.default.get(self.path, (200, b"success"))
                )
                self.send_response(status)
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def wait(self, path: str, count: int = 1, timeout: float = 10) -> list[Received]:
        deadline = time.time() + timeout
        while time.time() < deadline:
            found = [r for r in self.received if r.path == path]
            if len(found) >= count:
                return found
            time.sleep(0.02)
        raise AssertionError(f"{count} notifies to {path} expected, got {len(self.on(path))}")

    def on(self, path: str) -> list[Received]:
        return [r for r in self.received if r.path == path]


def eventually(check, timeout: float = 5.0):
    """check()'s first truthy value, polled until timeout (then the last value, for the assert)."""
    deadline = time.time() + timeout
    while True:
        value = check()
        if value or time.time() > deadline:
            return value
        time.sleep(0.05)


def out_no(prefix: str) -> str:
    return prefix + datetime.now(SHANGHAI).strftime("%H%M%S") + secrets.token_hex(4).upper()


# Alipay: RSA2 requests, responses verified over the node's raw text


class Alipay:
    def __init__(self, config: dict) -> None:
        self.config = config
        self.key = read_key(config["app_private_key_file"])
        self.alipay_public = read_key(config["alipay_public_key_file"])

    def params(self, method: str, biz: dict, key: RSA.RsaKey | None = None, **extra: str) -> dict[str, str]:
        params = {
            "app_id": self.config["app_id"],
            "method": method,
            "format": "JSON",
            "charset": "utf-8",
            "sign_type": "RSA2",
            "timestamp": datetime.now(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S"),
            "version": "1.0",
            "biz_content": json.dumps(biz, ensure_ascii=False),
            **extra,
        }
        text = "&".join(f"{k}={params[k]}" for k in sorted(params) if params[k] != "")
        params["sign"] = sign(key or self.key, text.encode())
        return params

    def call(self, method: str, biz: dict, *, key: RSA.RsaKey | None = None, **extra: str) -> dict:
        response = requests.post(
            f"{self.config['base_url']}/gateway.do",
            data=self.params(method, biz, key, **extra),
            timeout=TIMEOUT,
        )
        assert response.status_code == 200, response.text
        return self.verified(response.text, method.replace(".", "_") + "_response")

    def verified(self, text: str, node: str) -> dict:
        start = text.index(f'"{node}":') + len(node) + 3
        end = text.rindex(',"sign":"')
        raw = text[start:end]
        assert verify(self.alipay_public, raw.encode(), json.loads(text)["sign"]), "response signature"
        return json.loads(raw)

    def notify_is_genuine(self, fields: dict[str, str]) -> bool:
        text = "&".join(
            f"{k}={fields[k]}" for k in sorted(fields) if k not in ("sign", "sign_type") and fields[k]
        )
        return verify(self.alipay_public, text.encode(), fields["sign"])


# WeChat Pay v3: Authorization header, signed responses, AES-GCM notifies


class WeChat:
    def __init__(self, config: dict) -> None:
        self.config = config
        self.key = read_key(config["merchant_private_key_file"])
        self.platform = read_key(config["platform_public_key_file"])
        self.apiv3 = Path(config["apiv3_key_file"]).read_text().strip().encode()

    def authorization(
        self, method: str, url: str, body: str, key: RSA.RsaKey | None = None, timestamp: int | None = None
    ) -> str:
        parts = urlsplit(url)
        path = parts.path + ("?" + parts.query if parts.query else "")
        stamp, nonce = str(timestamp or int(time.time())), secrets.token_hex(16)
        signature = sign(key or self.key, f"{method}\n{path}\n{stamp}\n{nonce}\n{body}\n".encode())
        return (
            f'WECHATPAY2-SHA256-RSA2048 mchid="{self.config["mchid"]}",nonce_str="{nonce}",'
            f'signature="{signature}",timestamp="{stamp}",serial_no="{self.config["merchant_serial"]}"'
        )

    def call(
        self, method: str, path: str, payload: dict | None = None, *, url: str | None = None, **auth
    ) -> requests.Response:
        url = url or self.config["base_url"] + path
        body = json.dumps(payload, ensure_ascii=False) if payload is not None else ""
        headers = {
            "Authorization": self.authorization(method, url, body, **auth),
            "Accept": "application/json",
            "Content-Type": "application/json",
        }
        response = requests.request(method, url, data=body.encode() or None, headers=headers, timeout=TIMEOUT)
        assert self.genuine(response.headers, response.content), "response signature"
        return response

    def genuine(self, headers, body: bytes) -> bool:
        if headers.get("Wechatpay-Serial") != self.config["platform_public_key_id"]:
            return False
        if abs(int(headers["Wechatpay-Timestamp"]) - time.time()) > 300:
            return False
        message = f"{headers['Wechatpay-Timestamp']}\n{headers['Wechatpay-Nonce']}\n".encode() + body + b"\n"
        return verify(self.platform, message, headers["Wechatpay-Signature"])

    def decrypt(self, resource: dict) -> dict:
        from Crypto.Cipher import AES

        raw = base64.b64decode(resource["ciphertext"])
        cipher = AES.new(self.apiv3, AES.MODE_GCM, nonce=resource["nonce"].encode())
        cipher.update(resource["associated_data"].encode())
        return json.loads(cipher.decrypt_and_verify(raw[:-16], raw[-16:]))

    def order(self, out_trade_no: str, total: int, notify_url: str, **more) -> dict:
        return {
            "appid": self.config["appid"],
            "mchid": self.config["mchid"],
            "description": "电费 Electricity",
            "out_trade_no": out_trade_no,
            "notify_url": notify_url,
            "amount": {"total": total, "currency": "CNY"},
            **more,
        }


# UnionPay ACP 5.1.0: hex-SHA-256 signatures, certificates parsed and chained here


@dataclass(frozen=True)
class Certificate:
    tbs: bytes
    signature: bytes
    serial: int
    issuer_cn: str
    subject_cn: str
    not_before: datetime
    not_after: datetime
    key: RSA.RsaKey


def _common_name(name_der: bytes) -> str:
    for rdn in DerSequence().decode(name_der):
        for attribute in DerSetOf().decode(rdn):
            oid, value = DerSequence().decode(attribute)
            if DerObjectId().decode(oid).value == "2.5.4.3":
                return DerObject(0x0C).decode(value).payload.decode("utf-8")
    raise AssertionError("no CN")


def _time(der: bytes) -> datetime:
    text = der[2:].decode()
    return datetime.strptime(text, "%y%m%d%H%M%SZ" if der[0] == 0x17 else "%Y%m%d%H%M%SZ").replace(tzinfo=UTC)


def certificate(pem: str) -> Certificate:
    der = base64.b64decode("".join(line for line in pem.strip().splitlines() if not line.startswith("-----")))
    tbs_der, _algorithm, signature = DerSequence().decode(der)
    tbs = DerSequence().decode(tbs_der)
    not_before, not_after = DerSequence().decode(tbs[4])
    return Certificate(
        tbs_der,
        DerBitString().decode(signature).value,
        tbs[1],
        _common_name(tbs[3]),
        _common_name(tbs[5]),
        _time(not_before),
        _time(not_after),
        RSA.import_key(tbs[6]),
    )


def issued_by(child: Certificate, parent: Certificate) -> bool:
    now = datetime.now(UTC)
    return (
        child.issuer_cn == parent.subject_cn
        and child.not_before <= now <= child.not_after
        and verify(parent.key, child.tbs, base64.b64encode(child.signature).decode())
    )


def unionpay_digest(fields: dict[str, str]) -> bytes:
    text = "&".join(f"{k}={fields[k]}" for k in sorted(fields) if k != "signature")
    return hashlib.sha256(text.encode()).hexdigest().encode()


class UnionPay:
    def __init__(self, config: dict) -> None:
        self.config = config
        self.key = read_key(config["signing_key_file"])
        self.cert_id = str(certificate(Path(config["signing_cert_file"]).read_text()).serial)
        self.root = certificate(Path(config["root_cert_file"]).read_text())
        self.intermediate = certificate(Path(config["intermediate_cert_file"]).read_text())

    def call(self, endpoint: str, fields: dict[str, str], *, key: RSA.RsaKey | None = None) -> dict[str, str]:
        message = {
            "version": "5.1.0",
            "encoding": "UTF-8",
            "signMethod": "01",
            "bizType": "000000",
            "channelType": "08",
            "accessType": "0",
            "merId": self.config["mer_id"],
            "currencyCode": "156",
            "txnTime": datetime.now(SHANGHAI).strftime("%Y%m%d%H%M%S"),
            "certId": self.cert_id,
            **fields,
        }
        message["signature"] = sign(key or self.key, unionpay_digest(message))
        response = requests.post(
            f"{self.config['base_url']}/gateway/api/{endpoint}", data=message, timeout=TIMEOUT
        )
        assert response.status_code == 200, response.text
        answer = dict(parse_qsl(response.text, keep_blank_values=True))
        assert self.genuine(answer), "response signature"
        return answer | {"_txnTime": message["txnTime"]}

    def genuine(self, fields: dict[str, str]) -> bool:
        signer = certificate(fields["signPubKeyCert"])
        return (
            issued_by(signer, self.intermediate)
            and issued_by(self.intermediate, self.root)
            and issued_by(self.root, self.root)
            and signer.subject_cn == self.config["signer_cn"]
            and verify(signer.key, unionpay_digest(fields), fields["signature"])
        )


def form(body: bytes) -> dict[str, str]:
    return dict(parse_qsl(body.decode(), keep_blank_values=True))


__all__ = ["Alipay", "Receiver", "Sandbox", "UnionPay", "WeChat", "eventually", "form", "out_no"]
