"""The `station` command and the composition root: the only place that builds the
station, its connectors, signer and web server together (everything below is handed
what it needs)."""
