"""Patterns for checking user and import text, shared by the forms and the importer.

One definition each: a profile saved from a form and one written by an import accept the
same email addresses, phone numbers and plain text.
"""

from __future__ import annotations

import re

SLUG_MAX = 80
SLUG_RE = re.compile(rf"[a-z0-9-]{{2,{SLUG_MAX}}}")
DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
EMAIL_RE = re.compile(r"[^@\s<>\"'()\[\],;:\\]{1,64}@(?=.{1,253}$)([A-Za-z0-9-]+\.)+[A-Za-z]{2,63}")
PHONE_RE = re.compile(r"\+?[0-9][0-9 ().\-/]{2,38}")
# Markup is refused, not stripped (see docs/import.md): a tag-like "<x", "</", "<!" or "<?";
# Markdown autolinks such as <https://example.com> stay allowed.
MARKUP_RE = re.compile(r"<(?!https?://[^\s<>]*>)(?!mailto:[^\s<>]*>)[A-Za-z/!?]")
# Control characters (newlines allowed only in multi-line fields) and bidi overrides.
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")
NEWLINE_RE = re.compile(r"[\r\n\t]")
SPACE_RE = re.compile(r"\s")
SUSPECT_RE = re.compile(r"[\x00-\x1f\x7f<\u202a-\u202e\u2066-\u2069]")
# The same without the tab and new lines a multi-line field may hold.
SUSPECT_MULTILINE_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f<\u202a-\u202e\u2066-\u2069]")
# URLs that urlsplit certainly accepts (scheme http/https, a host name, no credentials, no
# port, no space): checked by one regex instead of a urlsplit; anything else takes the long way.
PLAIN_URL_RE = re.compile(r"https?://[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*(?:/[^\s@?#\\]*)?")

MAX_MONEY = 1_000_000_000  # stays inside a 32-bit INTEGER column on PostgreSQL
MAX_RATE = 100_000  # an hourly rate in USD
