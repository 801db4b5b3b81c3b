"""The JSON API: /api/v1/search and its OpenAPI document."""

from __future__ import annotations

import pytest

from directory import taxonomy
from directory.search.base import FACETS, SearchUnavailable
from tests.support.search import HOSTILE_QUERIES, UNLISTED_NAMES


def test_search_returns_hits_facets_and_paging(client, directory_data):
    response = client.get("/api/v1/search?q=seo&per_page=1")
    assert response.status_code == 200
    body = response.json
    assert body["total"] == 2
    assert body["page"] == 1 and body["per_page"] == 1 and body["pages"] == 2
    assert body["backend"] and body["degraded"] is False
    assert isinstance(body["took_ms"], (int, float))
    hit = body["hits"][0]
    assert set(hit) >= {
        "id",
        "slug",
        "name",
        "tagline",
        "tier",
        "program",
        "rating_avg",
        "review_count",
        "hq",
        "services",
        "url",
        "highlights",
        "distance_km",
    }
    assert hit["url"].endswith(f"/en/agencies/{hit['slug']}")
    assert hit["hq"]["country"] == "FR"
    assert body["facets"]["service"]["seo"] == 2


def test_service_names_in_either_language_give_the_same_results(client, directory_data):
    english = client.get("/api/v1/search?q=seo").json
    french = client.get("/api/v1/search?q=r%C3%A9f%C3%A9rencement%20naturel").json
    assert english["query"]["understood_service"] == "seo"
    assert french["query"]["filters"] == {"service": ["seo"]}
    assert [h["id"] for h in english["hits"]] == [h["id"] for h in french["hits"]]
    assert english["total"] == 2


def test_filters_and_lang(client, directory_data):
    response = client.get("/api/v1/search?service=seo&city=FR:Lyon&lang=fr")
    body = response.json
    assert [h["slug"] for h in body["hits"]] == ["presquile-search"]
    assert body["hits"][0]["url"].endswith("/fr/agencies/presquile-search")
    assert body["hits"][0]["hq"]["country_name"] == "France"
    assert body["query"]["filters"] == {"city": ["FR:Lyon"], "service": ["seo"]}


def test_near_gives_distances(client, directory_data):
    body = client.get("/api/v1/search?near=Lyon&sort=distance").json
    distances = [h["distance_km"] for h in body["hits"]]
    assert distances[0] is not None and distances[0] < 20
    assert distances == sorted(distances)


def test_unlisted_agencies_never_appear(client, directory_data):
    body = client.get("/api/v1/search?q=Hidden+Marketing+Lyon&per_page=100").json
    assert not {h["name"] for h in body["hits"]} & set(UNLISTED_NAMES)


@pytest.mark.parametrize(
    ("query", "status", "code", "field"),
    [
        ("service=astrology", 422, "unknown_value", "service"),
        ("country=XX", 422, "unknown_value", "country"),
        ("page=-1", 422, "out_of_range", "page"),
        ("page=1000000000", 422, "out_of_range", "page"),
        ("page=abc", 400, "invalid_integer", "page"),
        ("per_page=1000", 422, "out_of_range", "per_page"),
        ("q=" + "a" * 10_240, 422, "too_long", "q"),
        ("q=%ff%fe", 400, "invalid_encoding", "q"),
        ("q=a&q=b", 400, "repeated_parameter", "q"),
        ("sort=random", 422, "unknown_value", "sort"),
        ("sort=distance", 422, "needs_place", "sort"),
        ("near=Qwxzyville", 422, "unknown_place", "near"),
        ("min_rating=NaN", 400, "invalid_number", "min_rating"),
        # The OpenAPI document says 1 to 5: 0 is not "any rating" in the API (issue 14).
        ("min_rating=0", 422, "out_of_range", "min_rating"),
        ("min_rating=0.5", 422, "out_of_range", "min_rating"),
        ("min_rating=any", 400, "invalid_number", "min_rating"),
        ("min_rating=4,5", 400, "invalid_number", "min_rating"),
        ("min_rating=inf", 400, "invalid_number", "min_rating"),
        ("lang=de", 422, "unknown_value", "lang"),
        # maxItems counts the values as sent: 21 repeats of one value are too many.
        ("&".join(["tier=gold"] * 21), 422, "too_many_values", "tier"),
    ],
)
def test_errors_are_json_with_code_message_and_field(client, query, status, code, field):
    response = client.get(f"/api/v1/search?{query}")
    assert response.status_code == status
    assert response.is_json
    error = response.json["error"]
    assert error["code"] == code
    assert error["field"] == field
    assert error["message"]


def test_engine_down_is_a_json_503(client, monkeypatch):
    def down(query):
        raise SearchUnavailable("engine down")

    monkeypatch.setattr("directory.views.api.run_search", down)
    response = client.get("/api/v1/search?q=seo")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "30"
    assert response.json["error"]["code"] == "search_unavailable"


def test_cors_allows_get_from_any_origin(client):
    response = client.get("/api/v1/search", headers={"Origin": "https://example.org"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    preflight = client.options(
        "/api/v1/search",
        headers={"Origin": "https://example.org", "Access-Control-Request-Method": "GET"},
    )
    assert preflight.status_code in (200, 204)
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert "GET" in preflight.headers["Access-Control-Allow-Methods"]


def test_api_is_read_only(client):
    response = client.post("/api/v1/search")
    assert response.status_code == 405
    assert response.is_json


def test_unknown_api_route_is_json_404(client):
    response = client.get("/api/v1/nothing")
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"


def test_openapi_document_describes_search_and_errors(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    doc = response.json
    assert doc["openapi"].startswith("3.1")
    operation = doc["paths"]["/search"]["get"]
    parameters = {p["name"]: p for p in operation["parameters"]}
    assert set(FACETS) <= set(parameters)
    assert {"q", "page", "per_page", "sort", "min_rating", "near"} <= set(parameters)
    assert parameters["service"]["schema"]["items"]["enum"] == list(taxonomy.SERVICES)
    assert parameters["per_page"]["schema"]["maximum"] == 100
    for status in ("400", "422", "503"):
        assert operation["responses"][status]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/Error"
        }
    assert doc["components"]["schemas"]["Error"]["required"] == ["error"]
    assert doc["servers"][0]["url"].endswith("/api/v1")


def test_openapi_document_is_valid_when_validator_installed(client):
    validator = pytest.importorskip("openapi_spec_validator")
    validator.validate(client.get("/api/v1/openapi.json").json)


@pytest.mark.parametrize("query", HOSTILE_QUERIES, ids=lambda q: q[:40])
def test_hostile_query_strings_never_500_never_leak(client, directory_data, query):
    response = client.get(f"/api/v1/search?{query}")
    assert response.status_code in (200, 400, 422), response.status_code
    assert response.is_json
    if response.status_code == 200:
        assert not {h["name"] for h in response.json["hits"]} & set(UNLISTED_NAMES)
    else:
        assert response.json["error"]["message"]


def test_rate_limit_answers_json_429(_schema, tmp_path):
    from directory import create_app
    from directory.extensions import limiter

    app = create_app(
        {
            "APP_ENV": "testing",
            "SQLALCHEMY_DATABASE_URI": _schema,
            "SEARCH_INDEX_PATH": str(tmp_path / "search"),
            "RATELIMIT_ENABLED": True,
        }
    )
    client = app.test_client()
    try:
        for _ in range(120):
            client.get("/api/v1/search?page=-1")  # refused by the parser: no database needed
        response = client.get("/api/v1/search?page=-1")
        assert response.status_code == 429
        assert response.json["error"]["code"] == "too_many_requests"
        assert response.headers["Access-Control-Allow-Origin"] == "*"
    finally:
        with app.app_context():
            limiter.reset()


def test_all_words_are_needed_unless_none_match_them_all(client, directory_data):
    both = client.get("/api/v1/search?q=growth+lyon").json
    assert [h["name"] for h in both["hits"]] == ["Rhône Growth"] and both["relaxed"] is False
    fewer = client.get("/api/v1/search?q=growth+zzyzx").json
    assert [h["name"] for h in fewer["hits"]] == ["Rhône Growth"] and fewer["relaxed"] is True


def test_hit_shows_the_marked_headquarters_and_services_in_profile_order(client, factory):
    from tests.support.search import reindex

    factory.agency(
        name="Ordered Offices",
        services=["web-design", "seo", "content-marketing"],
        offices=[
            {"country": "DE", "city": "Berlin", "headquarters": False},
            {"country": "FR", "city": "Lyon", "headquarters": True},
        ],
    )
    factory.agency(
        name="Ordered Unmarked",
        services=["paid-advertising", "seo"],
        offices=[
            {"country": "ES", "city": "Madrid", "headquarters": False},
            {"country": "IT", "city": "Roma", "headquarters": False},
        ],
    )
    reindex()
    hits = {h["name"]: h for h in client.get("/api/v1/search?q=ordered").json["hits"]}
    marked, unmarked = hits["Ordered Offices"], hits["Ordered Unmarked"]
    assert marked["hq"] == {"city": "Lyon", "country": "FR", "country_name": "France"}
    assert marked["services"] == ["web-design", "seo", "content-marketing"]
    assert unmarked["hq"]["city"] == "Madrid"  # no marked headquarters: the first office
    assert unmarked["services"] == ["paid-advertising", "seo"]


def test_facet_values_keep_their_order_in_json(client, directory_data):
    facets = client.get("/api/v1/search").json["facets"]
    cities = list(facets["city"].items())
    assert cities[0] == ("FR:Lyon", 2)  # by count, not alphabetically (DE:Berlin)
    assert [count for _, count in cities] == sorted((c for _, c in cities), reverse=True)
    countries = list(facets["country"])
    assert countries == sorted(countries)


@pytest.mark.parametrize("value", ["1", "5", "4.5", "1.221166963634181", "2e0", ""])
def test_every_min_rating_the_description_allows_is_accepted(client, directory_data, value):
    response = client.get(f"/api/v1/search?min_rating={value}")
    assert response.status_code == 200, response.json
    expected = None if value == "" else round(float(value) * 2) / 2
    assert response.json["query"]["min_rating"] == expected
