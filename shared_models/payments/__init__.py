"""Online payments: orders, gateway adapters, what the gateways tell us applied once, payment
codes, recovery, refunds and bill files."""
