"""Alembic migrations of the broker schema, run programmatically by `polycontract.broker.connect`."""
