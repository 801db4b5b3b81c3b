"""Dashboard, administration and lead tables: phone-ready markup, unique ids, EN and FR."""

from __future__ import annotations

import re
from collections import Counter
from html.parser import HTMLParser

import pytest

from directory.db import db, utcnow
from directory.models import Lead
from directory.services.audit import record
from tests.support.factories import add_member, make_user
from tests.support.web import login_as

pytestmark = pytest.mark.usefixtures("request_scoped_clients", "french_catalog")


class _Tables(HTMLParser):
    """Collects, per table, its classes, column headers, the data-label of each cell, and ids."""

    def __init__(self):
        super().__init__()
        self.tables: list[dict] = []
        self.ids: list[str] = []
        self.regions: list[dict] = []
        self._in_th = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.append(attrs["id"])
        if tag == "div" and "table-scroll" in (attrs.get("class") or ""):
            self.regions.append(attrs)
        if tag == "table":
            self.tables.append({"class": attrs.get("class", ""), "headers": [], "labels": []})
        elif tag == "th" and attrs.get("scope") == "col" and self.tables:
            self._in_th, self.tables[-1]["headers"] = True, [*self.tables[-1]["headers"], ""]
        elif tag == "td" and self.tables and "data-label" in attrs:
            self.tables[-1]["labels"].append(attrs["data-label"])

    def handle_endtag(self, tag):
        if tag == "th":
            self._in_th = False

    def handle_data(self, data):
        if self._in_th and self.tables:
            self.tables[-1]["headers"][-1] += data.strip()


@pytest.fixture
def admin_client(app, factory):
    agency = factory.agency(name="Acme Growth", slug="acme")
    user = make_user("owner@example.com", admin=True)
    add_member(user, agency, role="owner")
    db.session.add(
        Lead(agency_id=agency.id, source="contact", name="Grace", email="g@example.com",
             company="Navy", services=["seo"], message="Hi", consent_version="t",
             consent_at=utcnow())
    )  # fmt: skip
    record("profile.published", actor=user, agency_id=agency.id, target="agency:acme",
           before={"tagline": "a"}, after={"tagline": "b"})  # fmt: skip
    db.session.commit()
    return login_as(app, user)


PAGES = [
    "/{lang}/dashboard/",
    "/{lang}/dashboard/agencies/acme/team",
    "/{lang}/dashboard/agencies/acme/certifications",
    "/{lang}/dashboard/agencies/acme/edit",
    "/{lang}/dashboard/acme/leads",
    "/{lang}/dashboard/acme/reviews",
    "/{lang}/admin/agencies",
    "/{lang}/admin/agencies/acme",
    "/{lang}/admin/audit",
    "/{lang}/admin/certifications",
    "/{lang}/admin/leads",
    "/{lang}/admin/leads/recent",
    "/{lang}/admin/search-analytics",
]


def _parse(client, path) -> _Tables:
    response = client.get(path)
    assert response.status_code == 200, path
    parser = _Tables()
    parser.feed(response.get_data(as_text=True))
    return parser


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_every_table_stacks_or_scrolls_in_its_own_region(admin_client, lang):
    for path in PAGES:
        parsed = _parse(admin_client, path.format(lang=lang))
        for table in parsed.tables:
            if "table-stack" in table["class"]:
                # Every cell is labelled with its column's header, in the page's language.
                assert table["labels"], path
                per_row = len(table["headers"])
                assert table["labels"][:per_row] == table["headers"], path
        stacked = sum("table-stack" in t["class"] for t in parsed.tables)
        assert stacked + len(parsed.regions) >= len(parsed.tables), path
        for region in parsed.regions:
            # A scrolling region is reachable by keyboard and named for screen readers.
            assert region.get("tabindex") == "0" and region.get("role") == "region", path
            assert region.get("aria-label") or region.get("aria-labelledby"), path


def test_french_labels_are_french(admin_client):
    body = admin_client.get("/fr/dashboard/acme/leads").get_data(as_text=True)
    assert 'data-label="Entreprise"' in body and 'data-label="Company"' not in body


def test_no_duplicate_ids_on_pages_with_several_forms(admin_client):
    for path in [*PAGES, "/en/dashboard/agencies/acme/", "/en/dashboard/acme/badge"]:
        parsed = _parse(admin_client, path.format(lang="en"))
        twice = [i for i, n in Counter(parsed.ids).items() if n > 1]
        assert twice == [], (path, twice)
    body = admin_client.get("/en/admin/agencies/acme").get_data(as_text=True)
    assert len(re.findall(r'name="csrf_token"', body)) >= 2  # several forms, each with a token
    assert 'id="csrf_token"' not in body
