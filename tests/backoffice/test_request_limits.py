"""JSON bodies are bounded before any schema reads them: too deep is a 400, too large a 413."""

from __future__ import annotations

import pytest

EN = {"Accept-Language": "en"}


def _post(client, headers, path, body):
    return client.post(f"/api/v1{path}", json=body, headers={**EN, **headers})


def _deep(depth: int) -> str:
    return '{"a":' + "[" * depth + "]" * depth + "}"


@pytest.mark.parametrize("depth", [32, 100_000])  # with the outer object: 33 levels and more
def test_a_deeply_nested_body_is_refused_before_any_schema(client, admin, make_site, depth):
    site = make_site()
    plan = _post(client, admin, "/tariffs/plans", {"site_id": site.id, "code": "D", "name": "D"}).json
    for path in ("/buildings", f"/tariffs/plans/{plan['id']}/versions"):
        response = client.post(f"/api/v1{path}", data=_deep(depth),
                               headers={**EN, **admin, "Content-Type": "application/json"})
        assert response.status_code == 400, response.get_data(as_text=True)
        assert "nested" in response.json["message"]


def test_a_body_nested_within_the_limit_reaches_the_schema(client, admin):
    response = client.post("/api/v1/buildings", data=_deep(31),
                           headers={**EN, **admin, "Content-Type": "application/json"})
    assert response.status_code == 422 and "site_id" in response.json["errors"]["json"]


def test_a_json_body_too_large_is_refused(client, admin):
    body = '{"name": "' + "x" * (2 * 1024 * 1024) + '"}'
    response = client.post("/api/v1/buildings", data=body,
                           headers={**EN, **admin, "Content-Type": "application/json"})
    assert response.status_code == 413


def test_the_refusal_is_in_the_callers_language(client, admin):
    response = client.post("/api/v1/buildings", data=_deep(1000),
                           headers={**admin, "Accept-Language": "zh-CN",
                                    "Content-Type": "application/json"})
    assert response.status_code == 400 and "嵌套" in response.json["message"]
