"""Root conftest: shared locations for the test suite."""

pytest_plugins = ["pytester"]
