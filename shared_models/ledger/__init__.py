"""The double-entry ledger: posting rules (pure), ledger accounts, the posting service, verify."""
