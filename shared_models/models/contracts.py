"""Supply contracts (供用电合同): templates and their versions, contracts, their history."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shared_models.base import Base
from shared_models.enums import db_enum
from shared_models.models.accounts import TenantAccount
from shared_models.types import UTCDateTime, utcnow


class ContractTemplate(Base):
    """A kind of contract a site offers (low-voltage commercial, residential...)."""

    __tablename__ = "contract_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    versions: Mapped[list[ContractTemplateVersion]] = relationship(
        back_populates="template", order_by="ContractTemplateVersion.number")

    __table_args__ = (UniqueConstraint("site_id", "name"),)


class TemplateVersionState(enum.StrEnum):
    DRAFT = "draft"  # being written; may change
    PUBLISHED = "published"  # contracts may be drawn from it; never changes again


class ContractTemplateVersion(Base):
    """The wording of a template at one time: typed variables and clauses that name them.

    `variables`: [{"name", "type", "label", "required", "choices", "default"}];
    `clauses`: [{"title", "text"}] where text holds {name} placeholders.
    """

    __tablename__ = "contract_template_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("contract_templates.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    state: Mapped[TemplateVersionState] = mapped_column(
        db_enum(TemplateVersionState, "contract_template_state"), default=TemplateVersionState.DRAFT)
    title: Mapped[str] = mapped_column(String(120))
    variables: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    clauses: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    template: Mapped[ContractTemplate] = relationship(back_populates="versions")

    __table_args__ = (UniqueConstraint("template_id", "number"),)


class ContractKind(enum.StrEnum):
    NEW = "new"  # from a template version
    SUPPLEMENT = "supplement"  # 补充协议: changes terms of the contract in force, same term
    RESIGN = "resign"  # 重签: a new contract that supersedes the one in force (renewal too)


class ContractState(enum.StrEnum):
    DRAFT = "draft"  # editable
    APPROVED = "approved"  # a second person checked it; waits for signatures
    IN_FORCE = "in_force"  # signed; its terms are the account's
    SUPERSEDED = "superseded"  # a supplement or a re-signed contract took its place
    TERMINATED = "terminated"  # ended (the account closed, or by decision)
    CANCELLED = "cancelled"  # a draft or approved contract that never came into force


class SupplyContract(Base):
    """One contract (or supplement) with one account: its values, who did what, its PDF."""

    __tablename__ = "supply_contracts"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("tenant_accounts.id"), index=True)
    number: Mapped[str] = mapped_column(String(48))  # "HT-<site>-000007", "-S1" for supplements
    kind: Mapped[ContractKind] = mapped_column(db_enum(ContractKind, "contract_kind"))
    state: Mapped[ContractState] = mapped_column(db_enum(ContractState, "contract_state"),
                                                 default=ContractState.DRAFT)
    template_version_id: Mapped[int] = mapped_column(ForeignKey("contract_template_versions.id"))
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("supply_contracts.id"))
    values: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # as text, per variable
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(255), default="")  # why a supplement or re-signing
    drafted_by_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id"))
    edited_by_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id"))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id"))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    signed_on: Mapped[date | None] = mapped_column(Date)
    signers: Mapped[list[str]] = mapped_column(JSON, default=list)
    in_force_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str] = mapped_column(String(255), default="")
    pdf_sha256: Mapped[str] = mapped_column(String(64), default="")
    # Where the paper copy is kept (档案位置).
    archive_cabinet: Mapped[str] = mapped_column(String(32), default="")
    archive_box: Mapped[str] = mapped_column(String(32), default="")
    archive_number: Mapped[str] = mapped_column(String(32), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    template_version: Mapped[ContractTemplateVersion] = relationship()
    account: Mapped[TenantAccount] = relationship(viewonly=True)  # for lists: number and name

    __table_args__ = (
        UniqueConstraint("site_id", "number"),
        # One contract's terms rule an account at a time.
        Index("ux_supply_contracts_in_force", "account_id", unique=True,
              postgresql_where=text("state = 'in_force'"), sqlite_where=text("state = 'in_force'")),
    )


class SupplyContractChange(Base):
    """One step in a contract's life: what changed (field: [before, after]), who, when, why."""

    __tablename__ = "supply_contract_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("supply_contracts.id"), index=True)
    action: Mapped[str] = mapped_column(String(32))  # drafted, edited, approved, signed...
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    reason: Mapped[str] = mapped_column(String(255), default="")
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("operators.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SupplyContractDocument(Base):
    """The signed contract's PDF exactly as made at signing; its sha256 is on the contract
    (and so in the system log). Kept apart so the log copies the hash, not the file, and
    append-only: the signed copy never changes."""

    __tablename__ = "supply_contract_documents"
    __audited__ = False

    contract_id: Mapped[int] = mapped_column(ForeignKey("supply_contracts.id"), primary_key=True)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ContractSettings(Base):
    """Per-site contract policy; a site without a row uses the defaults below."""

    __tablename__ = "contract_settings"

    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id"), primary_key=True)
    # Contracts ending within this many days appear on the renewal list.
    renewal_lead_days: Mapped[int] = mapped_column(Integer, default=60)
