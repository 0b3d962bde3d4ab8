"""The staff console: its API additions, how it is served, and the screens in a browser."""
