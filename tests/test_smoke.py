from directory.models import Agency


def test_root_redirects_to_best_language(client):
    response = client.get("/", headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/fr/")


def test_healthz_reports_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json["checks"]["database"]["ok"] is True


def test_listing_rule(app, factory):
    listed = factory.agency()
    factory.agency(listed=False)
    factory.agency(status="draft")
    assert listed.is_listed()
    from directory.db import db
    from directory.models.agency import listed_agencies

    assert [a.id for a in db.session.scalars(listed_agencies())] == [listed.id]
    assert db.session.query(Agency).count() == 3
