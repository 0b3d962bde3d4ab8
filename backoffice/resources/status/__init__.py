"""Meter status list and energy per day or month."""
