"""Helpers the tests import: ``factories`` (rows), ``web`` (forms, signing in, mail), ``search``."""
