"""The dashboard: the figures of the console's first page in one call."""
