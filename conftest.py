"""Root conftest: shared locations for the test suite."""
