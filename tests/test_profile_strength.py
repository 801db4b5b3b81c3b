"""Profile strength: the score, the ranking of next steps, and the meter on the overview."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from directory.db import today
from directory.services.insights.strength import (
    DESCRIPTION_MIN,
    ProfileFacts,
    score,
    strength_of,
)
from tests.support.factories import add_member, make_user
from tests.support.web import login_as

pytestmark = pytest.mark.usefixtures("request_scoped_clients")


def facts(**overrides) -> ProfileFacts:
    """A complete profile; each keyword takes one thing away."""
    values = {
        "has_logo": True,
        "description_length": DESCRIPTION_MIN,
        "services": 3,
        "languages": 2,
        "industries": 1,
        "offices_with_city": 1,
        "reviews": 5,
        "certification_days_left": 200,
        "case_studies": 1,
    }
    values.update(overrides)
    return ProfileFacts(**values)


def test_complete_profile_scores_100_with_no_step():
    result = score(facts())
    assert result.score == 100
    assert result.steps == ()
    assert result.top is None


def test_empty_profile_scores_0_and_lists_every_step():
    result = score(
        facts(
            has_logo=False,
            description_length=0,
            services=0,
            languages=0,
            industries=0,
            offices_with_city=0,
            reviews=0,
            certification_days_left=None,
            case_studies=0,
        )
    )
    assert result.score == 0
    assert len(result.steps) == 9
    assert sum(step.gain for step in result.steps) == 100


def test_steps_ranked_by_the_points_they_add():
    result = score(facts(has_logo=False, industries=0, reviews=0))
    assert [s.key for s in result.steps] == ["reviews", "logo", "industries"]
    assert result.steps[0].gain > result.steps[1].gain > result.steps[2].gain
    assert result.top.key == "reviews"
    assert result.score == 100 - sum(s.gain for s in result.steps)


def test_reviews_count_partially_up_to_five():
    two = score(facts(reviews=2))
    four = score(facts(reviews=4))
    assert two.score < four.score < 100
    assert two.top.key == "reviews" and two.top.count == 3
    assert score(facts(reviews=12)).score == 100


def test_short_description_is_a_step():
    assert score(facts(description_length=DESCRIPTION_MIN - 1)).top.key == "description"
    assert score(facts(description_length=DESCRIPTION_MIN)).steps == ()


def test_certification_renewal_within_60_days_with_the_days_left():
    assert score(facts(certification_days_left=61)).steps == ()
    renew = score(facts(certification_days_left=45)).top
    assert renew.key == "certification" and renew.count == 45
    assert score(facts(certification_days_left=None)).top.count == -1


def test_without_case_studies_the_other_weights_fill_100():
    result = score(facts(case_studies=None, has_logo=False))
    assert "case_study" not in [s.key for s in result.steps]
    full = score(facts(case_studies=None))
    assert full.score == 100


def test_strength_of_an_agency_reads_its_published_profile(app, factory):
    agency = factory.agency(
        description="x" * DESCRIPTION_MIN,
        languages=[],
        industries=["retail"],
        certified_until=today() + dt.timedelta(days=30),
    )
    factory.review(agency)
    result = strength_of(agency)
    keys = [s.key for s in result.steps]
    assert keys[:2] == ["certification", "reviews"]
    assert "languages" in keys and "logo" in keys
    assert "description" not in keys and "offices" not in keys
    assert result.steps[0].count == 30


@pytest.mark.parametrize(
    ("lang", "title", "logo"),
    [("en", "Profile strength", "Add your logo"), ("fr", "Force du profil", "Ajoutez votre logo")],
)
def test_overview_shows_the_meter_and_linked_steps(app, factory, lang, title, logo):
    agency = factory.agency(languages=[])
    user = add_member(make_user(), agency, "owner")
    client = login_as(app, user)
    page = client.get(f"/{lang}/dashboard/agencies/{agency.slug}/").get_data(as_text=True)
    assert title in page
    meter = re.search(r'<meter id="strength-meter"[^>]*value="(\d+)"', page)
    assert meter and 0 < int(meter.group(1)) < 100
    assert '<label for="strength-meter">' in page
    assert f'href="/{lang}/dashboard/agencies/{agency.slug}/logo">{logo}</a>' in page
    assert f"/{lang}/dashboard/agencies/{agency.slug}/edit#languages" in page
    assert f"/{lang}/dashboard/agencies/{agency.slug}/case-studies/new" in page


def test_overview_of_someone_elses_agency_is_refused(app, factory):
    agency = factory.agency()
    client = login_as(app, make_user())
    assert client.get(f"/en/dashboard/agencies/{agency.slug}/").status_code in (403, 404)


def test_a_published_case_study_completes_that_step(app, factory):
    from directory.db import db
    from directory.models.case_study import CaseStudy

    agency = factory.agency()
    step = next(s for s in strength_of(agency).steps if s.key == "case_study")
    assert step.endpoint == "dashboard.new_case_study"
    before = strength_of(agency).score
    db.session.add(CaseStudy(agency_id=agency.id, key="abc123", title="Relaunch"))
    db.session.commit()
    after = strength_of(agency)
    assert "case_study" not in [s.key for s in after.steps]
    assert after.score == before + step.gain
