"""Plain values and argument checks both brokers share: no SQL, no HTTP."""
