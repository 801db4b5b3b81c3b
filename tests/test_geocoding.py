"""Offices placed from their city and country: the editor, the manual override, imports."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from directory import geo
from directory.db import db
from directory.models import AgencyDraft
from directory.services.imports.record import validate_line
from tests.support.factories import add_member, make_user
from tests.support.search import reindex
from tests.support.web import csrf_token, login_as, post_form
from tests.test_profile import profile_data

pytestmark = pytest.mark.usefixtures("request_scoped_clients")

EDIT = "/en/dashboard/agencies/acme/edit"


def _editor(app, factory):
    agency = factory.agency(slug="acme", name="Acme Growth")
    user = make_user("m@example.com")
    add_member(user, agency)
    return agency, login_as(app, user)


def _base(client) -> str:
    page = client.get(EDIT).get_data(as_text=True)
    return re.search(r'name="base" type="hidden" value="([^"]*)"', page).group(1)


def _save(client, **overrides):
    data = profile_data(**overrides)
    data.pop("offices-1-country"), data.pop("offices-1-city")
    data["base"] = _base(client)
    return post_form(client, EDIT, data)


def _offices(agency) -> list[dict]:
    db.session.expire_all()
    return db.session.get(AgencyDraft, agency.id).payload["offices"]


def test_the_gazetteer_picks_the_most_populous_namesake_of_the_country():
    lat, lng = geo.locate_office("Lyon", "FR")
    assert abs(lat - 45.75) < 0.1 and abs(lng - 4.85) < 0.1
    # Paris, Texas is no match for a French office; in the US it is the only Paris listed.
    assert geo.distance_km(geo.locate_office("Paris", "FR"), (48.85, 2.35)) < 10
    assert geo.distance_km(geo.locate_office("paris", "US"), (33.66, -95.55)) < 10
    # Several Springfields in the US: the largest (Missouri, about 170,000 people) wins.
    assert geo.distance_km(geo.locate_office("Springfield", "US"), (37.2, -93.3)) < 20
    assert geo.locate_office("Qwxzyville", "FR") is None
    assert geo.locate_office("Lyon", None) is None


def test_an_office_saved_without_coordinates_ranks_near_its_city(app, factory):
    agency, client = _editor(app, factory)
    factory.agency(
        name="Paris First", offices=[{"country": "FR", "city": "Paris", "lat": 48.85, "lng": 2.35}]
    )
    assert _save(client).status_code == 302
    office = _offices(agency)[0]
    assert geo.distance_km((office["lat"], office["lng"]), (45.75, 4.85)) < 5
    token = csrf_token(client, "/en/dashboard/agencies/acme/preview")
    client.post("/en/dashboard/agencies/acme/publish", data={"csrf_token": token})
    reindex()
    html = client.get("/en/search?near=Lyon&sort=distance").get_data(as_text=True)
    names = re.findall(
        r'class="result-card__name" id="result-\d+">\s*<a href="[^"]*">(.*?)</a>', html
    )
    assert names[:2] == ["Acme Growth", "Paris First"]


def test_an_unknown_city_asks_instead_of_saving_an_office_off_the_map(app, factory):
    agency, client = _editor(app, factory)
    response = _save(client, **{"offices-0-city": "Qwxzyville"})
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "We could not find this city in the chosen country" in body
    assert '<details class="manual-coordinates" open>' in body  # the override is in view
    assert db.session.get(AgencyDraft, agency.id) is None
    response = _save(client, **{"offices-0-city": "Qwxzyville", "offices-0-unlocated": "y"})
    assert response.status_code == 302
    office = _offices(agency)[0]
    assert office["city"] == "Qwxzyville" and office["lat"] is None
    # Editing again keeps the deliberate choice ticked instead of asking again.
    page = client.get(EDIT).get_data(as_text=True)
    assert re.search(r'<input checked[^>]*name="offices-0-unlocated"', page)


def test_coordinates_typed_by_hand_win_and_need_both_halves(app, factory):
    agency, client = _editor(app, factory)
    response = _save(client, **{"offices-0-lat": "45.1"})
    assert response.status_code == 422
    assert "Enter both the latitude and the longitude, or neither." in response.get_data(
        as_text=True
    )
    assert _save(client, **{"offices-0-lat": "45.1", "offices-0-lng": "5.2"}).status_code == 302
    office = _offices(agency)[0]
    assert (office["lat"], office["lng"]) == (45.1, 5.2)
    page = client.get(EDIT).get_data(as_text=True)
    assert 'value="45.1"' in page  # a hand-typed position is shown, so it can be cleared


def test_a_found_position_follows_the_city_when_it_changes(app, factory):
    agency, client = _editor(app, factory)
    assert _save(client).status_code == 302
    page = client.get(EDIT).get_data(as_text=True)
    # The found position is not shown as typed by hand (it would then stick to the old city).
    assert re.search(r'name="offices-0-lat"[^>]*value="4', page) is None
    assert _save(client, **{"offices-0-city": "Marseille"}).status_code == 302
    office = _offices(agency)[0]
    assert geo.distance_km((office["lat"], office["lng"]), (43.3, 5.37)) < 10


def test_an_import_line_without_coordinates_is_placed_from_its_city():
    line = {
        "external_id": "x-1",
        "name": "Rhône Web",
        "slug": "rhone-web",
        "program": "provider",
        "services": ["seo"],
        "locations": [
            {"country": "FR", "city": "Lyon", "headquarters": True},
            {"country": "FR", "city": "Qwxzyville"},
            {"country": "DE", "city": "Berlin", "lat": 1.5, "lng": 2.5},
        ],
    }
    record, problems = validate_line(line, dt.date.today())
    assert problems == []
    lyon, unknown, by_hand = record.offices
    assert geo.distance_km((lyon["lat"], lyon["lng"]), (45.75, 4.85)) < 5
    assert unknown["lat"] is None and unknown["lng"] is None
    assert (by_hand["lat"], by_hand["lng"]) == (1.5, 2.5)


def test_an_old_office_without_coordinates_is_placed_on_the_next_publish(app, factory):
    agency, client = _editor(app, factory)  # the factory's office: Paris, no coordinates
    page = client.get(EDIT).get_data(as_text=True)
    data = profile_data(tagline="Only the tagline changes", **{"offices-0-city": "Paris"})
    data.pop("offices-1-country"), data.pop("offices-1-city")
    data["base"] = re.search(r'name="base" type="hidden" value="([^"]*)"', page).group(1)
    assert post_form(client, EDIT, data).status_code == 302
    token = csrf_token(client, "/en/dashboard/agencies/acme/preview")
    client.post("/en/dashboard/agencies/acme/publish", data={"csrf_token": token})
    db.session.expire_all()
    (office,) = agency.offices
    assert geo.distance_km((office.lat, office.lng), (48.85, 2.35)) < 5
