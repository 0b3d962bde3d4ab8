"""Bad input answered 4xx naming the field, with nothing written; the renewal list, the
settings, the Excel export and who may do what."""

from datetime import timedelta
from io import BytesIO

import pytest
from openpyxl import load_workbook

from tests.contracts.conftest import TODAY


@pytest.mark.parametrize("body, field", [
    ({"values": {"credit_cap": "abc"}}, "values.credit_cap"),
    ({"values": {"credit_cap": "-5.00"}}, "values.credit_cap"),
    ({"values": {"arrears_rule": "never"}}, "values.arrears_rule"),
    ({"values": {"capacity_kw": "8 kW"}}, "values.capacity_kw"),
    ({"values": {"colour": "red"}}, "values.colour"),
    ({"ends_on": TODAY.isoformat()}, "ends_on"),
    ({"ends_on": "2027-02-30"}, "ends_on"),
    ({"template_version_id": 2**31 - 2}, "template_version_id"),
])
def test_a_bad_draft_names_the_field_and_writes_nothing(kit, body, field):
    account = kit.open_account()
    refused = kit.draft(account["id"], status=422, **body)
    assert list(refused["errors"]["json"]) == [field], refused
    assert kit.desk.get(f"/contracts?account_id={account['id']}", status=200).json == []


def test_a_draft_cannot_be_approved_until_required_values_are_given(kit):
    contract = kit.draft(kit.open_account()["id"], values={"capacity_kw": "8"})  # no supplier
    refused = kit.approve(contract["id"], status=422)
    assert list(refused["errors"]["json"]) == ["values.supplier"]


@pytest.mark.parametrize("body, field", [
    ({"signers": ["只有一人"]}, "signers"),
    ({"signed_on": (TODAY + timedelta(days=2)).isoformat()}, "signed_on"),
])
def test_a_bad_signature_names_the_field_and_leaves_the_contract_approved(kit, body, field):
    contract = kit.draft(kit.open_account()["id"])
    kit.approve(contract["id"])
    refused = kit.desk.post(f"/contracts/{contract['id']}/sign",
                            {"signed_on": TODAY.isoformat(), "signers": ["甲", "乙"], **body},
                            status=422).json
    assert list(refused["errors"]["json"]) == [field]
    after = kit.desk.get(f"/contracts/{contract['id']}", status=200).json
    assert after["state"] == "approved" and after["pdf_sha256"] == ""


def test_a_published_template_version_never_changes(kit):
    refused = kit.desk.call("PATCH", f"/contract-templates/versions/{kit.version_id}",
                            {"title": "改"}, status=422).json
    assert "never changes" in refused["message"]


def test_a_clause_naming_an_unknown_variable_is_refused(kit, money_site):
    template = kit.desk.post("/contract-templates", {"site_id": money_site.id, "name": "临时用电"},
                             status=201).json
    refused = kit.desk.post(f"/contract-templates/{template['id']}/versions", {
        "variables": [{"name": "deposit", "type": "money"}],
        "clauses": [{"title": "一", "text": "押金 {deposit}"}, {"title": "二", "text": "{colour}"}]},
        status=422).json
    assert list(refused["errors"]["json"]) == ["clauses.1.text"]


def test_a_draft_version_is_edited_and_contracts_need_it_published(kit, money_site):
    template = kit.desk.post("/contract-templates", {"site_id": money_site.id, "name": "临时用电"},
                             status=201).json
    version = kit.desk.post(f"/contract-templates/{template['id']}/versions", {
        "title": "临时供用电合同", "variables": [{"name": "deposit", "type": "money", "default": "100"}],
        "clauses": [{"title": "一", "text": "押金 {deposit} 元，用电方 {tenant_name}"}]}, status=201).json
    assert version["variables"][0]["default"] == "100.00" and version["state"] == "draft"
    account = kit.open_account()
    refused = kit.draft(account["id"], template_version_id=version["id"], values={}, status=422)
    assert list(refused["errors"]["json"]) == ["template_version_id"]
    kit.desk.post(f"/contract-templates/versions/{version['id']}/publish", status=403)
    kit.approver.post(f"/contract-templates/versions/{version['id']}/publish", status=200)
    assert kit.draft(account["id"], template_version_id=version["id"], values={})["values"] == {
        "deposit": "100.00"}


def test_renewal_list_follows_the_sites_lead_days(kit, money_site):
    account = kit.open_account()
    contract = kit.draft(account["id"], ends_on=(TODAY + timedelta(days=30)).isoformat())
    kit.approve(contract["id"])
    kit.sign(contract["id"])
    due = kit.desk.get("/contracts/renewals", status=200).json
    assert [(c["id"], c["days_left"]) for c in due] in ([(contract["id"], 30)], [(contract["id"], 31)])
    kit.approver.call("PUT", f"/contracts/settings/{money_site.id}", {"renewal_lead_days": 10}, status=200)
    assert kit.desk.get("/contracts/renewals", status=200).json == []
    assert kit.desk.get(f"/contracts/settings/{money_site.id}", status=200).json["renewal_lead_days"] == 10
    kit.approver.call("PUT", f"/contracts/settings/{money_site.id}", {"renewal_lead_days": 60}, status=200)
    # a re-signed contract being drafted takes it off the list
    kit.desk.post("/contracts", {"previous_id": contract["id"], "kind": "resign", "reason": "续签",
                                 "ends_on": (TODAY + timedelta(days=1900)).isoformat()}, status=201)
    assert kit.desk.get("/contracts/renewals", status=200).json == []
    refused = kit.approver.call("PUT", f"/contracts/settings/{money_site.id}",
                                {"renewal_lead_days": 999}, status=422).json
    assert list(refused["errors"]["json"]) == ["renewal_lead_days"]


def test_the_list_exports_to_excel(kit):
    account = kit.open_account()
    contract = kit.in_force(account["id"])
    response = kit.desk.get("/contracts/export", status=200)
    sheet = load_workbook(BytesIO(response.data), read_only=True)["Contracts"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("Contract", "Kind", "State")
    assert rows[1][0] == contract["number"] and rows[1][2] == "in_force"
    assert rows[1][5] == "张三" and rows[1][-1] == contract["pdf_sha256"]


def test_other_sites_contracts_are_not_seen(kit, desk_for, make_site):
    contract = kit.draft(kit.open_account()["id"])
    stranger = desk_for(make_site(), shift=False)
    stranger.get(f"/contracts/{contract['id']}", status=404)
    assert stranger.get("/contracts", status=200).json == []
    stranger.get(f"/contract-templates/versions/{kit.version_id}", status=404)


def test_a_viewer_reads_but_does_not_draft(kit, desk_for):
    contract = kit.draft(kit.open_account()["id"])
    viewer = desk_for(kit.desk.site, role="viewer", shift=False)
    assert viewer.get(f"/contracts/{contract['id']}", status=200).json["number"] == contract["number"]
    viewer.post("/contracts", {"account_id": contract["account_id"]}, status=403)
    viewer.post(f"/contracts/{contract['id']}/sign", {}, status=403)
    viewer.get(f"/contracts/{contract['id']}/pdf", status=404)  # not signed: no PDF yet
