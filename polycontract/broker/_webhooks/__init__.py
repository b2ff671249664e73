"""Webhooks: the events a write fires, planning deliveries, sending them, and managing hooks."""
