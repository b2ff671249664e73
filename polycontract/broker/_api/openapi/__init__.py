"""The OpenAPI 3.1 description of the broker's HTTP API (served at ``GET /openapi.json``)."""
