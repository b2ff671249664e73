"""The broker's HTTP server: a Pact-Broker-compatible ASGI app that translates HTTP into broker calls."""
