"""Paging the energy report: count and fetch the subjects in SQL, then compute the energy of
the page's rows only (it takes a few indexed look-ups per meter)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Select
from sqlalchemy.orm import Session

from backoffice.pagination import MappingCollection
from shared_models.reports.energy import EnergyBy, with_energy


class EnergyCollection(MappingCollection):
    def __init__(self, session: Session, stmt: Select, by: EnergyBy, first: date, last: date) -> None:
        super().__init__(session, stmt)
        self.by, self.first, self.last = by, first, last

    def _rows(self, stmt: Select) -> list:
        return list(with_energy(self.session, self.by, super()._rows(stmt), self.first, self.last))
