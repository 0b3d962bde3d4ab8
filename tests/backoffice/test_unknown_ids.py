"""Ids that name nothing: rows named in words, body ids as 422s naming their field, and rows of
other sites answered exactly like ids that do not exist."""

from __future__ import annotations

import pytest

from tests import money

# The counter fixtures, shared by the money tests without a conftest of their own.
desk, desk_for, money_site = money.desk, money.desk_for, money.money_site

EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh-CN"}
UNKNOWN = 2**31 - 2


def _post(client, headers, path, body, **extra):
    return client.post(f"/api/v1{path}", json=body, headers={**EN, **headers, **extra})


def _named(response, status: int, field: str) -> str:
    assert response.status_code == status, response.get_data(as_text=True)
    return response.json["errors"]["json"][field][0]


# -- human names in messages -------------------------------------------------------------------

@pytest.mark.parametrize("path,english,chinese", [
    ("/accounts/{id}", "No such account.", "账户不存在。"),
    ("/tariffs/versions/{id}", "No such tariff version.", "电价版本不存在。"),
    ("/gateways/{id}", "No such gateway.", "通讯管理机不存在。"),
])
def test_not_found_names_the_thing_in_words(client, admin, path, english, chinese):
    url = "/api/v1" + path.format(id=UNKNOWN)
    assert client.get(url, headers={**EN, **admin}).json["message"] == english
    assert client.get(url, headers={**ZH, **admin}).json["message"] == chinese


def test_a_missing_bus_is_called_a_bus(db):
    from shared_models.errors import NotFound
    from shared_models.models import Bus
    from shared_models.services.registry import get

    with pytest.raises(NotFound) as missing:
        get(db, Bus, UNKNOWN)
    assert str(missing.value) == "No such bus."


def test_every_model_has_a_human_name_in_both_languages(app):
    from flask_babel import force_locale, gettext

    from shared_models.base import Base
    from shared_models.services.registry import NAMES

    tables = {mapper.class_.__tablename__ for mapper in Base.registry.mappers}
    assert tables <= set(NAMES)
    with app.test_request_context(), force_locale("zh_CN"):
        untranslated = [name for name in NAMES.values() if gettext(name) == name]
    assert untranslated == []
