"""Realistic demo data for `make run`."""
