"""Scheduling tests use the shared `center` and `ready_case` fixtures of tests/conftest.py."""
