"""The back office: the one HTTP API of Wattkeeper, its auth, audit and static consoles."""

from backoffice.app import create_app

__all__ = ["create_app"]
