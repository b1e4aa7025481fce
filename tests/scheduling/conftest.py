"""Fixtures shared by the engine tests."""

import pytest

from scheduling import Policy


@pytest.fixture
def policy() -> Policy:
    """Return the default policy run in-process, which keeps property tests fast."""
    return Policy(isolate_solver=False)
