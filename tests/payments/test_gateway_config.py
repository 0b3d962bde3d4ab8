"""The payments TOML: defaults, per-site overrides, checks that name the place, no key material shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared_models.payments.gateways.alipay import AlipayGateway
from shared_models.payments.gateways.config import PaymentsConfigError, load
from shared_models.payments.gateways.unionpay import UnionpayGateway
from shared_models.payments.gateways.wechat import WechatGateway
from tests.payments.gateway_kit import rsa_key, unionpay_pki


@pytest.fixture
def keys(tmp_path) -> Path:
    pki = unionpay_pki()
    files = {
        "app.pem": rsa_key("alipay-app").export_key(),
        "alipay_pub.pem": rsa_key("alipay-platform").public_key().export_key(),
        "merchant.pem": rsa_key("wechat-merchant").export_key(),
        "platform_pub.pem": rsa_key("wechat-platform").public_key().export_key(),
        "apiv3.key": b"0123456789abcdef0123456789ABCDEF\n",
        "up_sign.pem": pki.merchant_key.export_key(),
        "up_sign_cert.pem": pki.merchant_cert.encode(),
        "up_root.pem": pki.root.encode(),
        "up_inter.pem": pki.intermediate.encode(),
    }
    for name, content in files.items():
        (tmp_path / name).write_bytes(content)
    return tmp_path


FULL = """
[default.alipay]
base_url = "http://127.0.0.1:9/alipay"
app_id = "2021000000000001"
seller_id = "2088000000000001"
app_private_key_file = "app.pem"
alipay_public_key_file = "{dir}/alipay_pub.pem"

[default.wechat]
base_url = "http://127.0.0.1:9/wechat"
appid = "wx8888888888888888"
mchid = "1900000001"
merchant_serial = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1"
merchant_private_key_file = "merchant.pem"
platform_public_key_id = "PUB_KEY_ID_01142321349124100000000000000000"
platform_public_key_file = "platform_pub.pem"
apiv3_key_file = "apiv3.key"

[sites.NORTH.alipay]
app_id = "2021000000000002"

[sites.SOUTH.unionpay]
base_url = "http://127.0.0.1:9/unionpay"
mer_id = "777290058110048"
signing_key_file = "up_sign.pem"
signing_cert_file = "up_sign_cert.pem"
root_cert_file = "up_root.pem"
intermediate_cert_file = "up_inter.pem"
signer_cn = "中国银联股份有限公司"
back_url = "https://wk.example/api/v1/payments/notify/unionpay/SOUTH"
timeout_s = 5
"""


def write(keys: Path, text: str) -> Path:
    path = keys / "payments.toml"
    path.write_text(text.replace("{dir}", str(keys)), encoding="utf-8")
    return path


def test_defaults_apply_to_every_site_and_sites_override_them(keys):
    config = load(write(keys, FULL))
    alipay = config.gateway("EAST", "alipay")
    assert isinstance(alipay, AlipayGateway) and alipay.app_id == "2021000000000001"
    assert config.gateway("NORTH", "alipay").app_id == "2021000000000002"
    assert config.gateway("NORTH", "alipay").merchant_id == "2088000000000001"
    wechat = config.gateway("EAST", "wechat")
    assert isinstance(wechat, WechatGateway) and wechat.merchant_id == "1900000001"
    assert config.gateway("EAST", "unionpay") is None
    unionpay = config.gateway("SOUTH", "unionpay")
    assert isinstance(unionpay, UnionpayGateway) and unionpay.cert_id == "69042905377"
    assert unionpay.back_url == "https://wk.example/api/v1/payments/notify/unionpay/SOUTH"
    assert config.gateway("EAST", "alipay") is alipay  # built once
    assert config.channels("SOUTH") == ["alipay", "wechat", "unionpay"]


def test_the_repr_shows_no_key_material(keys):
    config = load(write(keys, FULL))
    config.gateway("EAST", "wechat")
    shown = (
        repr(config) + repr(config.gateway("EAST", "wechat")) + repr(config.gateway("EAST", "alipay"))
    )
    assert "PRIVATE" not in shown and "0123456789abcdef" not in shown
    assert str(rsa_key("wechat-merchant").n)[:20] not in shown


@pytest.mark.parametrize(
    "edit, message",
    [
        (
            lambda t: t.replace('app_id = "2021000000000001"\n', ""),
            r"\[default.alipay\]: missing app_id",
        ),
        (
            lambda t: t.replace('mer_id = "777290058110048"\n', ""),
            r"\[sites.SOUTH.unionpay\].*missing mer_id",
        ),
        (lambda t: t.replace("appid =", "app_id ="), r"\[default.wechat\]: unknown field 'app_id'"),
        (
            lambda t: t.replace('"http://127.0.0.1:9/alipay"', '"127.0.0.1/alipay"'),
            r"\[default.alipay\]: base_url must start with http",
        ),
        (
            lambda t: t.replace('"app.pem"', '"missing.pem"'),
            r"\[default.alipay\]: app_private_key_file: no such file",
        ),
        (
            lambda t: t.replace("[sites.SOUTH.unionpay]", "[sites.SOUTH.paypal]"),
            r"\[sites.SOUTH.paypal\]: unknown channel",
        ),
        (lambda t: t.replace("timeout_s = 5", 'timeout_s = "5"'), r"timeout_s must be a number"),
        (lambda t: t + "\n[extra]\n", r"unknown top-level"),
        (lambda t: t + "\n[[", r"not valid TOML"),
    ],
)
def test_a_bad_file_is_refused_naming_file_section_and_field(keys, edit, message):
    path = write(keys, edit(FULL))
    with pytest.raises(PaymentsConfigError, match=message) as refused:
        load(path)
    assert str(path) in str(refused.value)


def test_keys_of_the_wrong_kind_are_refused_when_the_gateway_is_built(keys):
    (keys / "apiv3.key").write_bytes(b"short\n")
    (keys / "alipay_pub.pem").write_bytes(rsa_key("alipay-platform").export_key())
    config = load(write(keys, FULL))
    with pytest.raises(PaymentsConfigError, match=r"\[wechat\] apiv3_key_file.*32-character"):
        config.gateway("EAST", "wechat")
    with pytest.raises(PaymentsConfigError, match=r"\[alipay\] alipay_public_key_file.*public key"):
        config.gateway("EAST", "alipay")
