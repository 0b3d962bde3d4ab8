"""The migrations are one straight line and build exactly the tables the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

import shared_models.models  # noqa: F401  (every table on the metadata)
from shared_models.base import Base
from shared_models.db import alembic_config


def test_one_head(database_url):
    assert len(ScriptDirectory.from_config(alembic_config(database_url)).get_heads()) == 1


def test_models_match_the_migrated_schema(engine):
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
