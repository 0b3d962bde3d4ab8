"""Daily reconciliation of the gateways' bills: runs, the break queue and its resolve actions."""
