"""Keys and identities of the sandbox and of its one merchant, made once under the instance dir.

Gateway side: `<instance>/sandbox_gateway/`; merchant side (what the back office is given):
`<instance>/sandbox_gateway/merchant/`, with a complete payments.toml. Existing files are
never regenerated: a back office configured once keeps working across restarts."""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from Crypto.PublicKey import RSA

from ops.sandbox_gateway import certs

UNIONPAY_SIGNER_CN = "中国银联股份有限公司（沙箱）"
UNIONPAY_ROOT_CN = "Wattkeeper Sandbox UnionPay Root CA"
UNIONPAY_INTERMEDIATE_CN = "Wattkeeper Sandbox UnionPay OCA"
MERCHANT_CERT_CN = "Wattkeeper Sandbox Merchant"


@dataclass(frozen=True)
class Keys:
    """Everything the gateway signs, verifies and identifies with, loaded from disk."""

    identity: dict
    alipay_private: RSA.RsaKey  # the gateway's key: responses and notifies
    alipay_app_public: RSA.RsaKey  # the merchant's app key: requests
    wechat_platform_private: RSA.RsaKey
    wechat_merchant_public: RSA.RsaKey
    apiv3_key: bytes
    unionpay_signing_private: RSA.RsaKey
    unionpay_signing_cert_pem: str
    unionpay_merchant_cert_pem: str  # certId (its serial) names it in requests


def _write_key(path: Path, key: RSA.RsaKey, public: bool = False) -> None:
    path.write_bytes((key.public_key() if public else key).export_key("PEM"))
    if not public:
        path.chmod(0o600)


def _serial() -> int:
    # Positive, at most 20 octets (RFC 5280), long like UnionPay's certIds.
    return secrets.randbelow(10**18 - 10**11) + 10**11


def _digits(count: int) -> str:
    return "".join(secrets.choice("0123456789") for _ in range(count))


def _generate(gateway: Path, merchant: Path) -> None:
    gateway.mkdir(parents=True, exist_ok=True)
    merchant.mkdir(parents=True, exist_ok=True)
    identity = {
        "alipay": {"app_id": "2021" + _digits(12), "seller_id": "2088" + _digits(12)},
        "wechat": {
            "appid": "wx" + secrets.token_hex(8),
            "mchid": "19" + _digits(8),
            "merchant_serial": secrets.token_hex(20).upper(),
            "platform_public_key_id": "PUB_KEY_ID_" + secrets.token_hex(16).upper(),
        },
        "unionpay": {"mer_id": "777290058" + _digits(6), "signer_cn": UNIONPAY_SIGNER_CN},
    }

    alipay, app = RSA.generate(2048), RSA.generate(2048)
    _write_key(gateway / "alipay_private.pem", alipay)
    _write_key(gateway / "alipay_app_public.pem", app, public=True)
    _write_key(merchant / "alipay_app_private.pem", app)
    _write_key(merchant / "alipay_public.pem", alipay, public=True)

    platform, wechat_merchant = RSA.generate(2048), RSA.generate(2048)
    _write_key(gateway / "wechat_platform_private.pem", platform)
    _write_key(gateway / "wechat_merchant_public.pem", wechat_merchant, public=True)
    _write_key(merchant / "wechat_merchant_private.pem", wechat_merchant)
    _write_key(merchant / "wechat_platform_public.pem", platform, public=True)
    # The APIv3 key is a 32-character string the merchant sets; its bytes are the AES-256 key.
    apiv3 = secrets.token_hex(16)
    for directory in (gateway, merchant):
        (directory / "wechat_apiv3_key.txt").write_text(apiv3)
        (directory / "wechat_apiv3_key.txt").chmod(0o600)

    root, intermediate, signing, merchant_key = (RSA.generate(2048) for _ in range(4))
    root_pem = certs.to_pem(certs.issue(UNIONPAY_ROOT_CN, root, UNIONPAY_ROOT_CN, root, _serial(), ca=True))
    intermediate_pem = certs.to_pem(
        certs.issue(UNIONPAY_INTERMEDIATE_CN, intermediate, UNIONPAY_ROOT_CN, root, _serial(), ca=True)
    )
    signing_pem, merchant_pem = (
        certs.to_pem(certs.issue(cn, key, UNIONPAY_INTERMEDIATE_CN, intermediate, _serial(), ca=False))
        for cn, key in ((UNIONPAY_SIGNER_CN, signing), (MERCHANT_CERT_CN, merchant_key))
    )
    _write_key(gateway / "unionpay_root_private.pem", root)
    _write_key(gateway / "unionpay_intermediate_private.pem", intermediate)
    _write_key(gateway / "unionpay_signing_private.pem", signing)
    (gateway / "unionpay_signing_cert.pem").write_text(signing_pem)
    (gateway / "unionpay_merchant_cert.pem").write_text(merchant_pem)
    for directory in (gateway, merchant):
        (directory / "unionpay_root_cert.pem").write_text(root_pem)
        (directory / "unionpay_intermediate_cert.pem").write_text(intermediate_pem)
    _write_key(merchant / "unionpay_signing_key.pem", merchant_key)
    (merchant / "unionpay_signing_cert.pem").write_text(merchant_pem)

    # Written last: its presence means every key above is complete.
    (gateway / "identity.json").write_text(json.dumps(identity, indent=2, ensure_ascii=False))


def ensure(instance: Path) -> Keys:
    """Generate keys on first start (never over existing ones), then load them."""
    gateway = Path(instance).resolve() / "sandbox_gateway"
    if not (gateway / "identity.json").is_file():
        if gateway.is_dir() and any(gateway.rglob("*.pem")):
            raise RuntimeError(
                f"{gateway} holds keys but no identity.json (an interrupted first start?): "
                "move it away to have new keys made; existing keys are never overwritten"
            )
        if gateway.exists():
            _generate(gateway, gateway / "merchant")
        else:
            # Made aside and renamed into place: a start cut short leaves no half set behind.
            staging = gateway.with_name(f"{gateway.name}.new-{os.getpid()}")
            _generate(staging, staging / "merchant")
            staging.rename(gateway)
    return load(gateway)


def load(gateway: Path) -> Keys:
    def key(name: str) -> RSA.RsaKey:
        return RSA.import_key((gateway / name).read_bytes())

    return Keys(
        identity=json.loads((gateway / "identity.json").read_text()),
        alipay_private=key("alipay_private.pem"),
        alipay_app_public=key("alipay_app_public.pem"),
        wechat_platform_private=key("wechat_platform_private.pem"),
        wechat_merchant_public=key("wechat_merchant_public.pem"),
        apiv3_key=(gateway / "wechat_apiv3_key.txt").read_text().strip().encode(),
        unionpay_signing_private=key("unionpay_signing_private.pem"),
        unionpay_signing_cert_pem=(gateway / "unionpay_signing_cert.pem").read_text(),
        unionpay_merchant_cert_pem=(gateway / "unionpay_merchant_cert.pem").read_text(),
    )


def _toml(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid TOML basic string


def wechat_app_secret(instance: Path) -> str:
    """The WeChat app's secret (web authorisation), made on the first start that needs it."""
    path = Path(instance).resolve() / "sandbox_gateway" / "merchant" / "wechat_app_secret.txt"
    if not path.is_file():
        path.write_text(secrets.token_hex(16))
        path.chmod(0o600)
    return path.read_text().strip()


def write_payments_toml(instance: Path, keys: Keys, public_url: str) -> Path:
    """The back office's payments.toml for this sandbox (rewritten each start: the port may move)."""
    merchant = Path(instance).resolve() / "sandbox_gateway" / "merchant"
    ident = keys.identity
    sections = {
        "alipay": {
            "base_url": f"{public_url}/alipay",
            "app_id": ident["alipay"]["app_id"],
            "seller_id": ident["alipay"]["seller_id"],
            "app_private_key_file": str(merchant / "alipay_app_private.pem"),
            "alipay_public_key_file": str(merchant / "alipay_public.pem"),
        },
        "wechat": {
            "base_url": f"{public_url}/wechat",
            "appid": ident["wechat"]["appid"],
            "mchid": ident["wechat"]["mchid"],
            "merchant_serial": ident["wechat"]["merchant_serial"],
            "merchant_private_key_file": str(merchant / "wechat_merchant_private.pem"),
            "platform_public_key_id": ident["wechat"]["platform_public_key_id"],
            "platform_public_key_file": str(merchant / "wechat_platform_public.pem"),
            "apiv3_key_file": str(merchant / "wechat_apiv3_key.txt"),
            # Web authorisation (snsapi_base) of pages inside WeChat: the payer's openid.
            "app_secret_file": str(merchant / "wechat_app_secret.txt"),
            "oauth_base_url": f"{public_url}/wechat-open",
            "sns_base_url": f"{public_url}/wechat-api",
        },
        "unionpay": {
            "base_url": f"{public_url}/unionpay",
            "mer_id": ident["unionpay"]["mer_id"],
            "signing_key_file": str(merchant / "unionpay_signing_key.pem"),
            "signing_cert_file": str(merchant / "unionpay_signing_cert.pem"),
            "root_cert_file": str(merchant / "unionpay_root_cert.pem"),
            "intermediate_cert_file": str(merchant / "unionpay_intermediate_cert.pem"),
            "signer_cn": ident["unionpay"]["signer_cn"],
        },
    }
    lines = ["# Written by the sandbox payment gateway: every channel points at it.", ""]
    for channel, values in sections.items():
        lines.append(f"[default.{channel}]")
        lines += [f"{name} = {_toml(value)}" for name, value in values.items()]
        lines.append("")
    path = merchant / "payments.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
