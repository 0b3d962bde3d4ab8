"""The ready-made low-voltage supply contract a site starts from (低压供用电合同)."""

from __future__ import annotations

from typing import Any

# Grid practice: 5 years for low voltage (CIS.md, "Numbers"); the term dates are the contract's.
VARIABLES: list[dict[str, Any]] = [
    {"name": "supplier", "type": "text", "label": "供电方 Supplier"},
    {"name": "capacity_kw", "type": "integer", "label": "用电容量 Capacity (kW)"},
    {"name": "tariff_basis", "type": "text", "label": "电价依据 Tariff basis",
     "default": "按国家目录电价执行 State catalogue price"},
    {"name": "price_notice", "type": "text", "label": "价格文件 Price notice", "required": False},
    {"name": "billing_mode", "type": "choice", "label": "计费方式 Billing mode",
     "choices": ["prepaid", "postpaid"], "default": "prepaid"},
    {"name": "deposit", "type": "money", "label": "押金 Deposit", "default": "0.00"},
    {"name": "credit_cap", "type": "money", "label": "预存上限 Credit cap", "default": "5000.00"},
    {"name": "alarm1_threshold", "type": "money", "label": "一级报警 Alarm 1", "default": "20.00"},
    {"name": "alarm2_threshold", "type": "money", "label": "二级报警 Alarm 2", "default": "5.00"},
    {"name": "arrears_rule", "type": "choice", "label": "欠费处理 Arrears rule",
     "choices": ["trip", "overdraft", "protect"], "default": "trip"},
    {"name": "late_fee_rule", "type": "choice", "label": "违约金 Late fee",
     "choices": ["none", "statutory_residential", "statutory_other"], "default": "none"},
]

CLAUSES: list[dict[str, str]] = [
    {"title": "第一条 合同双方",
     "text": "供电方：{supplier}；用电方：{tenant_name}（户号 {account_number}），"
             "用电地址 {site_name} {unit}。"},
    {"title": "第二条 用电容量与计量",
     "text": "用电容量 {capacity_kw} kW，计量装置（电能表）：{meters}。"},
    {"title": "第三条 电价",
     "text": "{tariff_basis}；价格文件：{price_notice}。供电方不以电费名义收取其他费用。"},
    {"title": "第四条 计费与预存",
     "text": "计费方式：{billing_mode}。押金 {deposit} 元；账户预存上限 {credit_cap} 元；"
             "余额低于 {alarm1_threshold} 元、{alarm2_threshold} 元时短信提醒。"},
    {"title": "第五条 欠费处理",
     "text": "欠费处理方式：{arrears_rule}（trip 欠费停电；overdraft 透支至限额后停电；"
             "protect 保电，不自动停电）。违约金：{late_fee_rule}（none 为不收取）。"},
    {"title": "第六条 合同期限",
     "text": "本合同自 {starts_on} 起至 {ends_on} 止。期满前双方协商续签；用电方销户时本合同终止。"},
]
