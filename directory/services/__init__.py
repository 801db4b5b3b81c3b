"""The write paths: create, update, publish, import. Services own the commit."""
