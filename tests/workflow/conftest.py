"""Fixtures of the journey's tests: platform accounts come from the subscriber tests."""

from tests.subscribers.conftest import make_account  # noqa: F401 (a fixture)
