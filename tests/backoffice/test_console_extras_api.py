"""What the console's System screen and login extras ask of the API: roles with what they may
do, the SMS outbox as a workbook, and the TOTP enrolment's QR drawn server-side."""

from __future__ import annotations

import io
import re

import pyotp
import pytest
import zxingcpp
from openpyxl import load_workbook

from backoffice.auth.permissions import PERMISSIONS, ROLE_PERMISSIONS


def test_roles_say_what_each_may_do(client, auth_headers):
    response = client.get("/api/v1/operators/roles", headers=auth_headers("auditor"))
    assert response.status_code == 200
    roles = {row["role"]: row["permissions"] for row in response.json}
    assert set(roles) == {"admin", "finance", "operator", "viewer", "auditor", "kiosk"}
    for role, granted in ROLE_PERMISSIONS.items():  # in the docs' order, each with its words
        assert roles[role.value] == [{"name": name, "description": PERMISSIONS[name]}
                                     for name in PERMISSIONS if name in granted]
    assert {"name": "sales.approve", "description": PERMISSIONS["sales.approve"]} in roles["finance"]
    assert "operators.write" not in {p["name"] for p in roles["viewer"]}


@pytest.mark.parametrize(("role", "status"), [("viewer", 403), ("finance", 403), ("operator", 403)])
def test_roles_need_operators_read(client, auth_headers, role, status):
    assert client.get("/api/v1/operators/roles", headers=auth_headers(role)).status_code == status


def test_sms_outbox_exports_the_rows_it_lists(client, admin, desk, auth_headers, make_site):
    first = desk.open_account(phone="13800138000")
    desk.recharge(first["id"], "100.00", status=201)
    query = {"site_id": desk.site.id, "kind": "recharge"}
    listed = client.get("/api/v1/sms", query_string=query, headers=admin).json
    response = client.get("/api/v1/sms/export", query_string=query, headers=admin)
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data), read_only=True)
    try:
        lines = list(book["SMS"].iter_rows(values_only=True))
    finally:
        book.close()
    assert lines[0][:6] == ("Message", "Site", "Account", "Phone", "Kind", "State")
    assert [(line[0], line[3], line[6]) for line in lines[1:]] == [
        (row["id"], row["phone"], row["body"]) for row in listed]
    assert len(listed) == 1
    elsewhere = auth_headers("operator", site_ids=[make_site().id])
    scoped = client.get("/api/v1/sms/export", query_string={"kind": "recharge"}, headers=elsewhere)
    scoped_book = load_workbook(io.BytesIO(scoped.data), read_only=True)
    try:
        assert len(list(scoped_book["SMS"].iter_rows(values_only=True))) == 1  # the header only
    finally:
        scoped_book.close()
    assert client.get("/api/v1/sms/export", headers=auth_headers("viewer")).status_code == 403


def _pixels(svg: str) -> memoryview:
    """The SVG's QR as a grey image (segno draws one path of unit-high horizontal runs)."""
    width = int(re.search(r'width="(\d+)"', svg).group(1))
    scale = int(re.search(r"scale\((\d+)\)", svg).group(1))
    size = width // scale
    grid = [[255] * size for _ in range(size)]
    x = y = 0.0
    path = re.search(r' d="([^"]+)"', svg).group(1)
    for command, number in re.findall(r"([Mmh])(-?[\d.]+(?: -?[\d.]+)?)", path):
        values = [float(v) for v in number.split()]
        if command == "M":
            x, y = values
        elif command == "m":
            x, y = x + values[0], y + values[1]
        else:
            for column in range(int(x), int(x + values[0])):
                grid[int(y)][column] = 0
            x += values[0]
    rows = [bytes(v for v in row for _ in range(4)) for row in grid]  # 4 pixels a module
    big = b"".join(row * 4 for row in rows)
    return memoryview(big).cast("B", (size * 4, size * 4))


def test_totp_setup_draws_the_uri_as_a_qr(client, make_operator):
    operator = make_operator("viewer", password="correct horse battery")
    client.post("/api/v1/auth/login", json={"username": operator.username,
                                            "password": "correct horse battery"})
    csrf = client.get("/api/v1/auth/me").json["csrf_token"]
    body = client.post("/api/v1/auth/totp/setup", headers={"X-CSRF-Token": csrf}).json
    assert body["qr_svg"].startswith('<svg xmlns="http://www.w3.org/2000/svg"')
    decoded = [found.text for found in zxingcpp.read_barcodes(_pixels(body["qr_svg"]))]
    assert decoded == [body["provisioning_uri"]]
    assert pyotp.parse_uri(decoded[0]).secret == body["secret"]


def test_password_change_names_the_field_it_refuses(client, make_operator):
    operator = make_operator("viewer", password="correct horse battery")
    client.post("/api/v1/auth/login", json={"username": operator.username,
                                            "password": "correct horse battery"})
    csrf = {"X-CSRF-Token": client.get("/api/v1/auth/me").json["csrf_token"]}
    wrong = client.post("/api/v1/auth/password", headers=csrf, json={
        "current_password": "not my password", "new_password": "long enough password"})
    assert wrong.status_code == 422 and list(wrong.json["errors"]["json"]) == ["current_password"]
    short = client.post("/api/v1/auth/password", headers=csrf, json={
        "current_password": "correct horse battery", "new_password": "short"})
    assert short.status_code == 422 and list(short.json["errors"]["json"]) == ["new_password"]
    assert client.get("/api/v1/auth/me").status_code == 200  # nothing changed, still in
    done = client.post("/api/v1/auth/password", headers=csrf, json={
        "current_password": "correct horse battery", "new_password": "a new long password"})
    assert done.status_code == 204
    assert client.get("/api/v1/auth/me").status_code == 200  # this browser goes on


def test_log_entities_and_one_entry_by_id(client, auth_headers):
    auditor = auth_headers("auditor")
    entities = client.get("/api/v1/audit/entities", headers=auditor).json
    assert {"entity": "operators", "name": "operator"} in entities
    newest = client.get("/api/v1/audit?page_size=2", headers=auditor).json
    one = client.get(f"/api/v1/audit?id={newest[1]['id']}", headers=auditor).json
    assert [entry["id"] for entry in one] == [newest[1]["id"]]
    assert client.get("/api/v1/audit?id=0", headers=auditor).status_code == 422
    assert client.get("/api/v1/audit/entities", headers=auth_headers("viewer")).status_code == 403
