"""A site with a published standard template, an account, and two people: one drafts and
signs at the counter, another (finance) approves."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest

from tests.money import Desk

TODAY = datetime.now(UTC).date()  # Asia/Shanghai is ahead of UTC: UTC's date is never its future


@dataclass
class ContractKit:
    desk: Desk  # drafts, edits, signs
    approver: Desk  # a second person, allowed to approve
    version_id: int

    def open_account(self, **values) -> dict:
        return self.desk.open_account(**values)

    def draft(self, account_id: int, status: int = 201, **body) -> dict:
        payload = {"account_id": account_id, "template_version_id": self.version_id,
                   "starts_on": TODAY.isoformat(),
                   "ends_on": (TODAY + timedelta(days=5 * 365)).isoformat(),
                   "values": {"supplier": "某物业公司", "capacity_kw": "8"}, **body}
        return self.desk.post("/contracts", payload, status=status).json

    def approve(self, contract_id: int, status: int = 200) -> dict:
        return self.approver.post(f"/contracts/{contract_id}/approve", status=status).json

    def sign(self, contract_id: int, status: int = 200, signed_on: date = TODAY, **body) -> dict:
        return self.desk.post(f"/contracts/{contract_id}/sign",
                              {"signed_on": signed_on.isoformat(), "signers": ["王经理", "张三"], **body},
                              status=status).json

    def in_force(self, account_id: int, **values) -> dict:
        contract = self.draft(account_id, values={"supplier": "某物业公司", "capacity_kw": "8", **values})
        self.approve(contract["id"])
        return self.sign(contract["id"])


@pytest.fixture
def kit(desk, desk_for, money_site) -> ContractKit:
    template = desk.post("/contract-templates", {"site_id": money_site.id, "name": "低压供用电合同"},
                         status=201).json
    version = desk.post(f"/contract-templates/{template['id']}/versions", {}, status=201).json
    approver = desk_for(money_site, role="finance", shift=False)
    approver.post(f"/contract-templates/versions/{version['id']}/publish", status=200)
    return ContractKit(desk, approver, version["id"])
