"""`N_("...")` marks a msgid kept in a table (translated where it is shown), so the catalogue
generator finds it as it finds `tr._("...")`."""


def N_(msgid: str) -> str:  # noqa: N802 (gettext's name)
    return msgid
