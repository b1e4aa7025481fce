"""Specialists: the people who attend boards."""
