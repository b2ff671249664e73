"""The embedded broker: `Broker` and the collaborators it is composed of, over `_store`."""
