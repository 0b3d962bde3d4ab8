"""Online payments: orders, gateway adapters, payment codes and bill files."""
