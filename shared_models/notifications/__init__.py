"""Tenant notifications: the SMS outbox and the pure policy that decides what is sent, to whom and when."""
