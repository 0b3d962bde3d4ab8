"""The payments TOML (WATTKEEPER_PAYMENTS): gateway settings per channel, overridden per site."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from Crypto.PublicKey import RSA
from Crypto.PublicKey.RSA import RsaKey

from shared_models.payments.gateways import x509
from shared_models.payments.gateways.alipay import AlipayGateway
from shared_models.payments.gateways.base import CHANNELS, Gateway
from shared_models.payments.gateways.unionpay import UnionpayGateway
from shared_models.payments.gateways.wechat import WechatGateway

# field -> (kind, required); "file" fields name a file beside or outside the repository.
FIELDS: dict[str, dict[str, tuple[str, bool]]] = {
    "alipay": {
        "base_url": ("url", True), "app_id": ("text", True), "seller_id": ("text", True),
        "app_private_key_file": ("file", True), "alipay_public_key_file": ("file", True),
        "timeout_s": ("seconds", False),
    },
    "wechat": {
        "base_url": ("url", True), "appid": ("text", True), "mchid": ("text", True),
        "merchant_serial": ("text", True), "merchant_private_key_file": ("file", True),
        "platform_public_key_id": ("text", True), "platform_public_key_file": ("file", True),
        "apiv3_key_file": ("file", True), "timeout_s": ("seconds", False),
        # Web authorisation of the tenant pages inside WeChat (snsapi_base), for JSAPI payments.
        "app_secret_file": ("file", False), "oauth_base_url": ("url", False),
        "sns_base_url": ("url", False),
    },
    "unionpay": {
        "base_url": ("url", True), "mer_id": ("text", True), "signing_key_file": ("file", True),
        "signing_cert_file": ("file", True), "root_cert_file": ("file", True),
        "intermediate_cert_file": ("file", True), "signer_cn": ("text", True),
        "back_url": ("url", False), "timeout_s": ("seconds", False),
    },
}


class PaymentsConfigError(ValueError):
    """The payments file is missing, unreadable or names a bad value (the message says where)."""


@dataclass
class PaymentsConfig:
    """Every site's gateway settings; keys are read on first use and kept, gateways built once."""

    path: Path
    defaults: dict[str, dict[str, Any]]
    sites: dict[str, dict[str, dict[str, Any]]]
    _gateways: dict[tuple[str, str], Gateway] = field(default_factory=dict, repr=False)
    _files: dict[Path, bytes] = field(default_factory=dict, repr=False)

    def __repr__(self) -> str:
        # Only names: paths are harmless but key material never leaves this object.
        return (f"PaymentsConfig(path={str(self.path)!r}, default={sorted(self.defaults)}, "
                f"sites={ {site: sorted(channels) for site, channels in sorted(self.sites.items())} })")

    def settings(self, site_code: str, channel: str) -> dict[str, Any] | None:
        if channel not in CHANNELS:
            raise ValueError(f"unknown payment channel {channel!r}")
        merged = {**self.defaults.get(channel, {}), **self.sites.get(site_code, {}).get(channel, {})}
        return merged or None

    def channels(self, site_code: str) -> list[str]:
        return [channel for channel in CHANNELS if self.settings(site_code, channel)]

    def gateway(self, site_code: str, channel: str) -> Gateway | None:
        """The adapter for a site's channel, or None when that channel is not configured there."""
        settings = self.settings(site_code, channel)
        if settings is None:
            return None
        # Sites sharing one merchant account share one adapter (and its HTTP session).
        key = (channel, repr(sorted(settings.items())))
        if key not in self._gateways:
            self._gateways[key] = self._build(channel, settings)
        return self._gateways[key]

    # -- building ----------------------------------------------------------------------------

    def _read(self, path: Path) -> bytes:
        if path not in self._files:
            self._files[path] = path.read_bytes()
        return self._files[path]

    def _rsa(self, path: Path, channel: str, name: str, *, private: bool) -> RsaKey:
        try:
            key = RSA.import_key(self._read(path))
        except (ValueError, IndexError, TypeError) as exc:
            raise PaymentsConfigError(
                f"{self.path}: [{channel}] {name}: {path} is not an RSA PEM key") from exc
        if key.has_private() != private:
            raise PaymentsConfigError(f"{self.path}: [{channel}] {name}: {path} must hold a "
                                      f"{'private' if private else 'public'} key")
        return key

    def _build(self, channel: str, s: dict[str, Any]) -> Gateway:
        timeout = float(s.get("timeout_s", 10))
        if channel == "alipay":
            return AlipayGateway(
                base_url=s["base_url"], app_id=s["app_id"], seller_id=s["seller_id"],
                app_private_key=self._rsa(s["app_private_key_file"], channel, "app_private_key_file",
                                          private=True),
                alipay_public_key=self._rsa(s["alipay_public_key_file"], channel, "alipay_public_key_file",
                                            private=False),
                timeout_s=timeout)
        if channel == "wechat":
            apiv3 = self._read(s["apiv3_key_file"]).strip()
            if len(apiv3) != 32:
                raise PaymentsConfigError(f"{self.path}: [wechat] apiv3_key_file: {s['apiv3_key_file']} "
                                          f"must hold a 32-character APIv3 key, not {len(apiv3)}")
            platform = self._rsa(s["platform_public_key_file"], channel, "platform_public_key_file",
                                 private=False)
            return WechatGateway(
                base_url=s["base_url"], appid=s["appid"], mchid=s["mchid"],
                merchant_serial=s["merchant_serial"],
                merchant_private_key=self._rsa(s["merchant_private_key_file"], channel,
                                               "merchant_private_key_file", private=True),
                platform_keys={s["platform_public_key_id"]: platform}, apiv3_key=apiv3, timeout_s=timeout)
        return self._build_unionpay(s, timeout)

    def _build_unionpay(self, s: dict[str, Any], timeout: float) -> Gateway:
        def cert(name: str) -> x509.Certificate:
            try:
                return x509.Certificate.from_pem(self._read(s[name]))
            except x509.CertificateError as exc:
                raise PaymentsConfigError(f"{self.path}: [unionpay] {name}: {s[name]}: {exc}") from exc

        return UnionpayGateway(
            base_url=s["base_url"], mer_id=s["mer_id"],
            signing_key=self._rsa(s["signing_key_file"], "unionpay", "signing_key_file", private=True),
            signing_cert=cert("signing_cert_file"), root=cert("root_cert_file"),
            intermediate=cert("intermediate_cert_file"), signer_cn=s["signer_cn"],
            back_url=s.get("back_url", ""), timeout_s=timeout)


def _check_section(where: str, channel: str, section: Any, base_dir: Path) -> dict:
    if not isinstance(section, dict):
        raise PaymentsConfigError(f"{where}: must be a table")
    spec = FIELDS[channel]
    checked: dict[str, Any] = {}
    for name, value in section.items():
        if name not in spec:
            raise PaymentsConfigError(f"{where}: unknown field {name!r} (expected {', '.join(spec)})")
        kind, _ = spec[name]
        if kind == "seconds":
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 120:
                raise PaymentsConfigError(f"{where}: {name} must be a number of seconds in (0, 120]")
            checked[name] = value
            continue
        if not isinstance(value, str) or not value.strip():
            raise PaymentsConfigError(f"{where}: {name} must be a non-empty string")
        if kind == "url" and not value.startswith(("http://", "https://")):
            raise PaymentsConfigError(f"{where}: {name} must start with http:// or https://, not {value!r}")
        if kind == "file":
            path = Path(value).expanduser()
            path = path if path.is_absolute() else base_dir / path
            if not path.is_file():
                raise PaymentsConfigError(f"{where}: {name}: no such file {path}")
            checked[name] = path
        else:
            checked[name] = value
    return checked


def load(path: str | Path) -> PaymentsConfig:
    """Read and check the whole file; relative key paths are taken from the file's folder."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PaymentsConfigError(f"{path}: cannot read: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise PaymentsConfigError(f"{path}: not valid TOML: {exc}") from exc
    unknown = set(data) - {"default", "sites"}
    if unknown:
        raise PaymentsConfigError(f"{path}: unknown top-level table(s) {', '.join(sorted(unknown))}")
    base_dir = path.parent

    def channels_of(where: str, table: Any) -> dict[str, Any]:
        if not isinstance(table, dict):
            raise PaymentsConfigError(f"{path}: [{where}] must be a table")
        for channel in table:
            if channel not in CHANNELS:
                raise PaymentsConfigError(f"{path}: [{where}.{channel}]: unknown channel "
                                          f"(expected {', '.join(CHANNELS)})")
        return table

    defaults = {channel: _check_section(f"{path}: [default.{channel}]", channel, section, base_dir)
                for channel, section in channels_of("default", data.get("default", {})).items()}
    sites_table = data.get("sites", {})
    if not isinstance(sites_table, dict):
        raise PaymentsConfigError(f"{path}: [sites] must be a table")
    sites = {site: {channel: _check_section(f"{path}: [sites.{site}.{channel}]", channel, section,
                                            base_dir)
                    for channel, section in channels_of(f"sites.{site}", table).items()}
             for site, table in sites_table.items()}
    # What a site ends up with (default under its overrides) must be complete on its own.
    for channel, section in defaults.items():
        _check_complete(f"{path}: [default.{channel}]", channel, section)
    for site, table in sites.items():
        for channel, section in table.items():
            merged = {**defaults.get(channel, {}), **section}
            _check_complete(f"{path}: [sites.{site}.{channel}] (with [default.{channel}])", channel, merged)
    return PaymentsConfig(path=path, defaults=defaults, sites=sites)


def _check_complete(where: str, channel: str, section: dict) -> None:
    missing = [name for name, (_, required) in FIELDS[channel].items() if required and name not in section]
    if missing:
        raise PaymentsConfigError(f"{where}: missing {', '.join(missing)}")
