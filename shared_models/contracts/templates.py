"""Contract templates: a draft version is written and changed; once published it never changes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shared_models.contracts import standard, variables
from shared_models.errors import Conflict, InvalidValue, NotFound, RuleViolation
from shared_models.models import Site
from shared_models.models.contracts import ContractTemplate, ContractTemplateVersion, TemplateVersionState
from shared_models.registry import get
from shared_models.types import utcnow


def create_template(db: Session, *, site_id: int, name: str) -> ContractTemplate:
    get(db, Site, site_id, field="site_id")
    name = name.strip()
    if not name:
        raise InvalidValue("The template needs a name.", field="name")
    template = ContractTemplate(site_id=site_id, name=name)
    try:
        with db.begin_nested():
            db.add(template)
    except IntegrityError as exc:
        raise Conflict("The name {name} is already used here.", field="name", name=name) from exc
    return template


def _checked(values: Mapping[str, Any]) -> dict[str, Any]:
    checked = variables.check_definitions(list(values.get("variables") or []))
    return {"title": str(values.get("title") or "").strip()[:120] or "供用电合同",
            "variables": checked, "clauses": variables.check_clauses(list(values.get("clauses") or []),
                                                                    checked)}


def add_version(db: Session, template_id: int, values: Mapping[str, Any], *,
                operator_id: int | None) -> ContractTemplateVersion:
    """A new draft version; without variables and clauses it copies the newest version (or,
    for a template's first, the standard low-voltage contract)."""
    template = get(db, ContractTemplate, template_id, lock=True)
    newest = template.versions[-1] if template.versions else None
    if not values.get("clauses"):
        base = ({"title": newest.title, "variables": newest.variables, "clauses": newest.clauses}
                if newest else {"variables": standard.VARIABLES, "clauses": standard.CLAUSES})
        values = {**base, **{k: v for k, v in values.items() if v}}
    number = (db.scalar(select(func.max(ContractTemplateVersion.number))
                        .where(ContractTemplateVersion.template_id == template.id)) or 0) + 1
    version = ContractTemplateVersion(template_id=template.id, number=number,
                                      created_by_id=operator_id, **_checked(values))
    db.add(version)
    db.flush()
    return version


def edit_version(db: Session, version_id: int, values: Mapping[str, Any]) -> ContractTemplateVersion:
    """Change a draft version; a published one is refused (contracts quote it as it was)."""
    version = _draft(db, version_id)
    merged = {"title": version.title, "variables": version.variables, "clauses": version.clauses,
              **{k: v for k, v in values.items() if v is not None}}
    for name, value in _checked(merged).items():
        setattr(version, name, value)
    db.flush()
    return version


def publish(db: Session, version_id: int, *, operator_id: int | None) -> ContractTemplateVersion:
    version = _draft(db, version_id)
    version.state, version.published_by_id, version.published_at = (
        TemplateVersionState.PUBLISHED, operator_id, utcnow())
    db.flush()
    return version


def _draft(db: Session, version_id: int) -> ContractTemplateVersion:
    version = db.get(ContractTemplateVersion, version_id, with_for_update=True, populate_existing=True)
    if version is None:
        raise NotFound("No such {what}.", what="template version")
    if version.state != TemplateVersionState.DRAFT:
        raise RuleViolation("A published template version never changes; add a new version.")
    return version
