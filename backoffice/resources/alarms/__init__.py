"""Alarms: list, acknowledge, export."""
