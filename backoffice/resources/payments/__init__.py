"""Online payments: orders for the staff and kiosks, and the gateways' notify endpoints."""
