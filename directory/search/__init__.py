"""Search: one backend interface, an embedded engine (default) and a Meilisearch adapter."""
