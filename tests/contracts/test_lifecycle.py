"""A contract's life through the API: drafted, edited, approved by a second person, signed
into force with its PDF, then supplemented, re-signed, ended."""

import hashlib
from datetime import timedelta
from pathlib import Path

from tests.contracts.conftest import TODAY

ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "contracts"


def test_a_draft_takes_the_template_defaults_and_a_number(kit):
    account = kit.open_account()
    contract = kit.draft(account["id"])
    assert contract["state"] == "draft" and contract["kind"] == "new"
    assert contract["number"] == f"HT-{kit.desk.site.code}-000001"
    assert (contract["account_number"], contract["tenant_name"]) == (account["number"], "张三")
    # the template's defaults, and the account's own settings where the template names them
    values = contract["values"]
    assert values["late_fee_rule"] == "none" and values["credit_cap"] == "1000.00"
    assert values["billing_mode"] == "prepaid" and values["alarm1_threshold"] == "20.00"
    assert contract["values"]["capacity_kw"] == "8"


def test_a_draft_is_edited_and_the_history_says_what_changed(kit):
    contract = kit.draft(kit.open_account()["id"])
    edited = kit.desk.call("PATCH", f"/contracts/{contract['id']}",
                           {"values": {"deposit": "300", "price_notice": "沪发改价管〔2025〕12号"}},
                           status=200).json
    assert edited["values"]["deposit"] == "300.00"
    history = kit.desk.get(f"/contracts/{contract['id']}/changes", status=200).json
    assert [h["action"] for h in history] == ["drafted", "edited"]
    assert history[1]["changes"] == {"deposit": ["0.00", "300.00"],
                                     "price_notice": [None, "沪发改价管〔2025〕12号"]}
    assert history[1]["operator_id"] == contract["drafted_by_id"]


def test_approval_takes_a_second_person(kit, desk_for):
    contract = kit.draft(kit.open_account()["id"])
    kit.desk.post(f"/contracts/{contract['id']}/approve", status=403)  # a counter operator may not
    # finance drafts one of its own: holding the permission is not enough to approve it
    own = kit.approver.post("/contracts", {**{k: contract[k] for k in ("account_id", "starts_on",
                                                                       "ends_on", "template_version_id")},
                                           "values": {"supplier": "甲", "capacity_kw": "5"}},
                            status=201).json
    assert "someone other than" in kit.approve(own["id"], status=422)["message"]
    # the approver edits the counter's draft: the last hand may not approve either
    kit.approver.call("PATCH", f"/contracts/{contract['id']}", {"values": {"deposit": "2.00"}}, status=200)
    assert "someone other than" in kit.approve(contract["id"], status=422)["message"]
    third = desk_for(kit.desk.site, role="finance", shift=False)
    approved = third.post(f"/contracts/{contract['id']}/approve", status=200).json
    assert approved["state"] == "approved" and approved["approved_by_id"] not in (
        contract["drafted_by_id"], None)
    kit.desk.call("PATCH", f"/contracts/{contract['id']}", {"values": {"deposit": "3.00"}}, status=422)


def test_signing_puts_the_terms_on_the_account_and_stores_the_pdf_hash(kit):
    account = kit.open_account()
    contract = kit.in_force(account["id"], credit_cap="800.00", alarm1_threshold="30.00",
                            alarm2_threshold="10.00", arrears_rule="protect")
    assert contract["state"] == "in_force" and contract["signers"] == ["王经理", "张三"]
    assert contract["signed_on"] == TODAY.isoformat()
    terms = kit.desk.get(f"/accounts/{account['id']}", status=200).json
    assert (terms["credit_cap"], terms["alarm1_threshold"], terms["alarm2_threshold"],
            terms["arrears_rule"]) == ("800.00", "30.00", "10.00", "protect")
    pdf = kit.desk.get(f"/contracts/{contract['id']}/pdf", status=200)
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF-")
    assert hashlib.sha256(pdf.data).hexdigest() == contract["pdf_sha256"]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)  # for a person to open (pdftoppm makes a PNG)
    (ARTIFACTS / "signed-contract.pdf").write_bytes(pdf.data)
    history = kit.desk.get(f"/contracts/{contract['id']}/changes", status=200).json
    assert history[-1]["action"] == "signed"
    assert history[-1]["changes"]["pdf_sha256"] == [None, contract["pdf_sha256"]]


def test_the_contracts_credit_cap_is_the_one_a_sale_meets(kit):
    account = kit.open_account()
    kit.in_force(account["id"], credit_cap="100.00")
    kit.desk.recharge(account["id"], "100.00", status=201)
    refused = kit.desk.recharge(account["id"], "0.01", status=422).json
    assert "100.00" in refused["message"]


def test_a_term_a_contract_sets_changes_only_by_supplement(kit):
    account = kit.open_account()
    contract = kit.in_force(account["id"], alarm1_threshold="30.00")
    url = f"/accounts/{account['id']}"
    refused = kit.desk.call("PATCH", url, {"alarm1_threshold": "40.00"}, status=422).json
    assert list(refused["errors"]["json"]) == ["alarm1_threshold"]
    assert contract["number"] in refused["message"]
    kit.desk.call("PATCH", url, {"alarm1_threshold": "30.00", "phone": "13900000000"}, status=200)
    # a supplement changes it, with its reason and what changed
    supplement = kit.desk.post("/contracts", {
        "previous_id": contract["id"], "kind": "supplement", "reason": "提高报警额",
        "values": {"alarm1_threshold": "40.00"}}, status=201).json
    assert supplement["number"] == contract["number"] + "-S1"
    assert supplement["starts_on"] == contract["starts_on"]
    proposed = kit.desk.get(f"/contracts/{supplement['id']}/changes", status=200).json[-1]
    assert proposed["changes"] == {"alarm1_threshold": ["30.00", "40.00"]}
    kit.approve(supplement["id"])
    kit.sign(supplement["id"])
    assert kit.desk.get(url, status=200).json["alarm1_threshold"] == "40.00"
    old = kit.desk.get(f"/contracts/{contract['id']}", status=200).json
    assert old["state"] == "superseded" and supplement["number"] in old["end_reason"]


def test_a_re_signed_contract_gets_a_new_number_and_term(kit):
    account = kit.open_account()
    contract = kit.in_force(account["id"])
    ends = TODAY + timedelta(days=3650)
    renewed = kit.desk.post("/contracts", {"previous_id": contract["id"], "kind": "resign",
                                           "reason": "续签", "ends_on": ends.isoformat()},
                            status=201).json
    assert renewed["number"] == f"HT-{kit.desk.site.code}-000002" and renewed["ends_on"] == ends.isoformat()
    kit.approve(renewed["id"])
    kit.sign(renewed["id"])
    states = {c["id"]: c["state"] for c in kit.desk.get(f"/contracts?account_id={account['id']}",
                                                        status=200).json}
    assert states == {contract["id"]: "superseded", renewed["id"]: "in_force"}


def test_one_contract_in_force_per_account(kit):
    account = kit.open_account()
    kit.in_force(account["id"])
    second = kit.draft(account["id"])
    kit.approve(second["id"])
    refused = kit.sign(second["id"], status=422)
    assert "supplement" in refused["message"]


def test_closing_the_account_terminates_its_contract_and_cancels_drafts(kit):
    account = kit.open_account()
    contract = kit.in_force(account["id"])
    draft = kit.desk.post("/contracts", {"previous_id": contract["id"], "kind": "supplement",
                                         "reason": "r"}, status=201).json
    kit.desk.post(f"/accounts/{account['id']}/close", {}, status=200)
    ended = kit.desk.get(f"/contracts/{contract['id']}", status=200).json
    assert ended["state"] == "terminated" and ended["end_reason"] == "account closed"
    assert kit.desk.get(f"/contracts/{draft['id']}", status=200).json["state"] == "cancelled"
    # and the account's settings are free again (no contract in force)
    assert kit.desk.get(f"/accounts/{account['id']}", status=200).json["status"] == "closed"


def test_terminate_by_decision_needs_a_reason_and_frees_the_terms(kit):
    account = kit.open_account()
    contract = kit.in_force(account["id"])
    refused = kit.approver.post(f"/contracts/{contract['id']}/terminate", {}, status=422).json
    assert list(refused["errors"]["json"]) == ["reason"]
    kit.approver.post(f"/contracts/{contract['id']}/terminate", {"reason": "双方协商解除"}, status=200)
    kit.desk.call("PATCH", f"/accounts/{account['id']}", {"alarm1_threshold": "40.00"}, status=200)


def test_the_paper_copy_is_filed(kit):
    contract = kit.draft(kit.open_account()["id"])
    kit.desk.call("PUT", f"/contracts/{contract['id']}/archive",
                  {"cabinet": "A", "box": "3", "number": "17"}, status=422)  # not signed yet
    kit.approve(contract["id"])
    kit.sign(contract["id"])
    filed = kit.desk.call("PUT", f"/contracts/{contract['id']}/archive",
                          {"cabinet": "A", "box": "3", "number": "17"}, status=200).json
    assert (filed["archive_cabinet"], filed["archive_box"], filed["archive_number"]) == ("A", "3", "17")


def test_every_step_is_in_the_system_log(kit, admin, client):
    contract = kit.in_force(kit.open_account()["id"])
    entries = client.get("/api/v1/audit", query_string={"entity": "supply_contracts",
                                                        "entity_id": str(contract["id"])},
                         headers=admin).json
    states = [e["after"].get("state") for e in entries if e["after"]]
    assert {"draft", "approved", "in_force"} <= set(states)
    assert any((e["after"] or {}).get("pdf_sha256") == contract["pdf_sha256"] for e in entries)


def test_the_contracts_billing_mode_is_set_through_the_billing_service(kit, db):
    from shared_models.models import TenantAccount
    from shared_models.models.accounts import BillingMode

    account = kit.open_account()
    kit.in_force(account["id"], billing_mode="postpaid")
    db.expire_all()
    assert db.get(TenantAccount, account["id"]).billing_mode == BillingMode.POSTPAID
