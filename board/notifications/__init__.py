"""Notifications: an outbox delivered by email, and an in-app list."""
