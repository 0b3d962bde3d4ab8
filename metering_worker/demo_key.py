"""The embedded demo's site master key: published, so only ever a default on the SQLite demo.

The simulator's meters are provisioned with it and the worker signs with it when no
WATTKEEPER_SITE_MASTER_KEY is set on a SQLite database; neither imports the other for it.
"""

DEMO_MASTER_KEY = "0123456789abcdeffedcba987654321089abcdef01234567"
