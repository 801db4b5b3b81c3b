"""Agency import from JSON Lines (shared/import-format.md; choices in docs/import.md).

``pipeline`` reads and dispatches, ``lines`` parses and checks a line (``record``, ``fields``,
``reviews``), ``rows`` turns a record into value tuples, ``importer`` batches them and
``writer`` (with ``bulk``) writes a batch.
"""
