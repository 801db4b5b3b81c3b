"""Well-known demo agencies with stable slugs, for browser tests and demos (docs/import.md)."""

from __future__ import annotations

import datetime as dt


def _agency(
    external_id: str,
    name: str,
    slug: str,
    *,
    program: str,
    tier: str | None,
    city: tuple,
    services: list[str],
    language: str,
    reviews: int,
    expired: bool = False,
    status: str = "published",
    **extra,
) -> dict:
    country, region, city_name, lat, lng = city
    return {
        "external_id": external_id,
        "name": name,
        "slug": slug,
        "program": program,
        "tier": tier,
        "services": services,
        "locations": [
            {
                "country": country,
                "region": region,
                "city": city_name,
                "lat": lat,
                "lng": lng,
                "headquarters": True,
            },
            *extra.pop("offices", []),
        ],
        "status": status,
        "_language": language,
        "_reviews": reviews,
        "_expired": expired,
        **extra,
    }


LYON = ("FR", "Auvergne-Rhône-Alpes", "Lyon", 45.764, 4.8357)
PARIS = ("FR", "Île-de-France", "Paris", 48.8566, 2.3522)
MARSEILLE = ("FR", "Provence-Alpes-Côte d'Azur", "Marseille", 43.2965, 5.3698)
NANTES = ("FR", "Pays de la Loire", "Nantes", 47.2184, -1.5536)
BERLIN = ("DE", "Berlin", "Berlin", 52.52, 13.405)
LONDON = ("GB", "England", "London", 51.5072, -0.1276)
TOKYO = ("JP", "東京都", "Tokyo", 35.6762, 139.6503)
NEW_YORK = ("US", "New York", "New York City", 40.7128, -74.006)
SAO_PAULO = ("BR", "São Paulo", "São Paulo", -23.5505, -46.6333)

FEATURED = [
    _agency(
        "demo-featured-01",
        "Société Générale du Numérique",
        "societe-generale-du-numerique",
        program="partner",
        tier="elite",
        city=LYON,
        language="fr",
        reviews=14,
        services=[
            "inbound-marketing",
            "seo",
            "content-marketing",
            "marketing-automation",
            "crm-implementation",
            "revenue-operations",
        ],
        tagline="Le marketing inbound et le CRM pour les ETI de la région lyonnaise",
        description="Société Générale du Numérique accompagne depuis 2008 les entreprises "
        "industrielles de la région lyonnaise : marketing inbound, référencement naturel, "
        "automatisation du marketing et mise en place du CRM.\n\nNos consultants certifiés "
        "interviennent à Lyon, Grenoble et Saint-Étienne.",
        industries=["manufacturing", "software", "professional-services"],
        languages=["fr", "en"],
        products=["marketing-hub", "sales-hub", "operations-hub"],
        client_sizes=["mid-market", "enterprise"],
        founded=2008,
        team_size="201-500",
        min_budget_usd=25000,
        hourly_rate_usd=[120, 180],
        accreditations=["onboarding", "crm-implementation", "solutions-architecture"],
        website="https://sgn-numerique.example",
        email="contact@sgn-numerique.example",
        phone="+33 4 72 00 00 01",
        offices=[
            {
                "country": "FR",
                "region": "Auvergne-Rhône-Alpes",
                "city": "Grenoble",
                "lat": 45.1885,
                "lng": 5.7245,
            }
        ],
    ),
    _agency(
        "demo-featured-02",
        "Les Artisans du Web",
        "les-artisans-du-web",
        program="partner",
        tier="diamond",
        city=PARIS,
        language="fr",
        reviews=9,
        services=[
            "website-design",
            "website-development",
            "cms-development",
            "conversion-optimization",
            "seo",
        ],
        tagline="Des sites web qui génèrent des contacts",
        description="Agence web parisienne : conception et développement de sites sur "
        "HubSpot CMS, optimisation du taux de conversion et référencement naturel.",
        industries=["retail-ecommerce", "travel-hospitality"],
        languages=["fr", "en"],
        products=["content-hub", "marketing-hub"],
        client_sizes=["small", "mid-market"],
        founded=2012,
        team_size="51-200",
        min_budget_usd=10000,
        hourly_rate_usd=[95, 150],
        website="https://artisans-du-web.example",
        email="bonjour@artisans-du-web.example",
        offices=[
            {
                "country": "FR",
                "region": "Nouvelle-Aquitaine",
                "city": "Bordeaux",
                "lat": 44.8378,
                "lng": -0.5792,
            }
        ],
    ),
    _agency(
        "demo-featured-03",
        "Agence Côté Rhône",
        "agence-cote-rhone",
        program="partner",
        tier="gold",
        city=LYON,
        language="fr",
        reviews=5,
        services=["social-media", "paid-advertising", "email-marketing", "branding"],
        tagline="Marketing digital à Lyon",
        description="Réseaux sociaux, publicité payante et e-mailing pour les commerces et "
        "PME lyonnaises.",
        industries=["retail-ecommerce", "consumer-goods"],
        languages=["fr"],
        products=["marketing-hub"],
        client_sizes=["small"],
        founded=2017,
        team_size="11-50",
        min_budget_usd=2500,
    ),
    _agency(
        "demo-featured-04",
        "Atelier Croix-Rousse",
        "atelier-croix-rousse",
        program="provider",
        tier=None,
        city=LYON,
        language="fr",
        reviews=0,
        services=["content-marketing", "seo", "video-production"],
        tagline="Contenus et vidéo pour le marketing",
        description="Petit studio de contenus installé sur les pentes de la Croix-Rousse.",
        languages=["fr"],
        founded=2021,
        team_size="1-10",
    ),
    _agency(
        "demo-featured-05",
        "Müller & Partner Digital",
        "muller-partner-digital",
        program="partner",
        tier="platinum",
        city=BERLIN,
        language="de",
        reviews=8,
        services=["crm-implementation", "crm-migration", "data-migration", "training"],
        tagline="CRM-Einführung mit System",
        description="Wir führen HubSpot in "
        "mittelständischen Unternehmen ein: Datenmigration, Schulung und Reporting.",
        industries=["manufacturing", "automotive"],
        languages=["de", "en"],
        founded=2010,
        team_size="51-200",
    ),
    _agency(
        "demo-featured-06",
        "Thames Growth Co.",
        "thames-growth",
        program="partner",
        tier="diamond",
        city=LONDON,
        language="en",
        reviews=11,
        services=["revenue-operations", "sales-enablement", "account-based-marketing"],
        tagline="RevOps for B2B scale-ups",
        description="Revenue operations, sales enablement "
        "and account-based marketing for B2B software companies.",
        industries=["software", "financial-services"],
        languages=["en"],
        founded=2014,
        team_size="51-200",
    ),
    _agency(
        "demo-featured-07",
        "東京デジタル株式会社",
        "tokyo-digital",
        program="partner",
        tier="gold",
        city=TOKYO,
        language="ja",
        reviews=4,
        services=["inbound-marketing", "website-design", "marketing-automation"],
        tagline="成果につながるインバウンドマーケティング",
        description="東京を拠点に、インバウンドマーケティングとウェブ制作を支援しています。",
        languages=["ja", "en"],
        founded=2016,
        team_size="11-50",
    ),
    _agency(
        "demo-featured-08",
        "Hudson Web Works",
        "hudson-web-works",
        program="provider",
        tier=None,
        city=NEW_YORK,
        language="en",
        reviews=0,
        services=["website-development", "ecommerce-website"],
        tagline="Web development in Manhattan",
        description="A small web shop building e-commerce sites.",
        languages=["en", "es"],
        founded=2019,
        team_size="1-10",
    ),
    _agency(
        "demo-featured-09",
        "Agência Paulista",
        "agencia-paulista",
        program="partner",
        tier=None,
        city=SAO_PAULO,
        language="pt",
        reviews=3,
        services=["inbound-marketing", "content-marketing", "social-media"],
        tagline="Marketing inbound que gera oportunidades",
        description="Agência de marketing digital em São Paulo.",
        languages=["pt", "es", "en"],
        founded=2015,
        team_size="11-50",
    ),
    _agency(
        "demo-featured-10",
        "Agence Expirée",
        "agence-expiree",
        program="partner",
        tier="gold",
        city=MARSEILLE,
        language="fr",
        reviews=2,
        expired=True,
        services=["seo", "paid-advertising"],
        tagline="Certification expirée (démo)",
        description="Cette agence n'est plus listée : sa certification a expiré.",
        languages=["fr"],
    ),
    _agency(
        "demo-featured-11",
        "Studio Brouillon Démo",
        "studio-brouillon-demo",
        program="provider",
        tier=None,
        city=NANTES,
        language="fr",
        reviews=0,
        status="draft",
        services=["branding"],
        tagline="Profil en cours de rédaction",
        languages=["fr"],
    ),
]


def featured_agencies(on: dt.date) -> list[dict]:
    """Fresh copies of the featured agencies, certified relative to ``on``."""
    records = []
    for index, template in enumerate(FEATURED, start=1):
        record = {**template, "locations": [dict(loc) for loc in template["locations"]]}
        expired = record.pop("_expired")
        issued = on - dt.timedelta(days=900 if expired else 200)
        record["inbound_certification"] = {
            "id": f"IC-DEMO-{index:03d}",
            "issued_on": issued.isoformat(),
            "expires_on": (issued + dt.timedelta(days=730)).isoformat(),
        }
        records.append(record)
    return records
