"""Logging for the API's entry points (the CLI, gunicorn, the demo); the app factory sets none."""

from __future__ import annotations

import logging

FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


def configure(level: int = logging.INFO) -> None:
    """Root logging to stderr, unless the process has configured it already."""
    logging.basicConfig(level=level, format=FORMAT)
