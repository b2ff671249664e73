"""`HttpBroker`: the broker interface over a broker server's HTTP API."""
