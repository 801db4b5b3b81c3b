"""Demo case studies: 1 to 3 for about a third of the demo agencies, in French or English.

Each agency draws from its own ``random.Random`` (seeded by the demo seed and its index), so
adding case studies does not shift any other demo value drawn from the shared generator.
"""

from __future__ import annotations

import random

from ...taxonomy import INDUSTRIES, SERVICES

# Per main service category: (title, challenge, results, figures as (value, label)) per language.
STORIES = {
    "en": {
        "marketing": [
            (
                "Doubling qualified leads for a {industry} scale-up",
                "Plenty of traffic, few demo requests, and no way to tell which campaign paid.",
                "A content hub, lead scoring and nurturing emails, measured end to end.",
                [("+112 %", "qualified leads"), ("-34 %", "cost per lead")],
            ),
            (
                "From trade fairs to inbound for a {industry} company",
                "Sales depended on two trade fairs a year.",
                "Search-led content and webinars now bring leads every week.",
                [("3x", "organic traffic"), ("41", "webinar leads a month")],
            ),
        ],
        "sales": [
            (
                "A shorter sales cycle for a {industry} team",
                "Deals stalled for weeks between demo and proposal.",
                "Sequences, a shared playbook and pipeline reviews every Monday.",
                [("-27 %", "sales cycle"), ("+18 %", "win rate")],
            ),
        ],
        "default": [
            (
                "One CRM for every team at a {industry} group",
                "Three tools, duplicated contacts and reports nobody trusted.",
                "A single CRM with clean data, migrated in a weekend.",
                [("120,000", "contacts migrated"), ("0", "hours of downtime")],
            ),
            (
                "A faster website for a {industry} brand",
                "A slow site that visitors left before it loaded.",
                "A rebuilt theme, lighter pages and forms wired to the CRM.",
                [("1.2 s", "load time"), ("+45 %", "form submissions")],
            ),
        ],
    },
    "fr": {
        "marketing": [
            (
                "Deux fois plus de leads qualifiés pour une scale-up ({industry})",
                "Beaucoup de trafic, peu de demandes de démo, et aucune campagne mesurée.",
                "Un hub de contenus, du lead scoring et des e-mails de nurturing, "
                "suivis de bout en bout.",
                [("+112 %", "leads qualifiés"), ("-34 %", "coût par lead")],
            ),
            (
                "Des salons à l’inbound pour une entreprise ({industry})",
                "Les ventes dépendaient de deux salons par an.",
                "Des contenus pensés pour la recherche et des webinaires "
                "apportent des leads chaque semaine.",
                [("x3", "trafic organique"), ("41", "leads webinaires par mois")],
            ),
        ],
        "sales": [
            (
                "Un cycle de vente raccourci pour une équipe ({industry})",
                "Les affaires stagnaient des semaines entre la démo et la proposition.",
                "Des séquences, un playbook commun et une revue du pipeline chaque lundi.",
                [("-27 %", "cycle de vente"), ("+18 %", "taux de signature")],
            ),
        ],
        "default": [
            (
                "Un seul CRM pour toutes les équipes d’un groupe ({industry})",
                "Trois outils, des contacts en double "
                "et des rapports auxquels personne ne croyait.",
                "Un CRM unique aux données propres, migré en un week-end.",
                [("120 000", "contacts migrés"), ("0", "heure d’interruption")],
            ),
            (
                "Un site plus rapide pour une marque ({industry})",
                "Un site si lent que les visiteurs partaient avant l’affichage.",
                "Un thème refait, des pages allégées et des formulaires reliés au CRM.",
                [("1,2 s", "temps de chargement"), ("+45 %", "formulaires envoyés")],
            ),
        ],
    },
}
SHARE = 0.35  # of demo agencies with case studies
FEATURED = {"demo-featured-01": 3, "demo-featured-02": 1, "demo-featured-06": 2}  # stable pages


def case_studies_for(seed: int, index: int, record: dict, language: str) -> list[dict] | None:
    """1 to 3 case studies for this demo agency, or None (most agencies have none)."""
    rng = random.Random(f"case-studies-{seed}-{index}")  # noqa: S311 - demo data
    wanted = FEATURED.get(record.get("external_id", ""))
    if wanted is None and rng.random() >= SHARE:
        return None
    lang = "fr" if language == "fr" else "en"
    services = [s for s in record.get("services", []) if s in SERVICES] or ["seo"]
    category = SERVICES[services[0]].category
    pool = STORIES[lang].get(category, []) + STORIES[lang]["default"]
    industries = record.get("industries") or ["software"]
    studies = []
    count = min(len(pool), wanted or rng.randint(1, 3))
    for title, challenge, results, figures in rng.sample(pool, count):
        industry = INDUSTRIES[rng.choice(industries)].label(lang)
        studies.append(
            {
                "title": title.format(industry=industry.lower())[:120],
                "client_or_sector": industry,
                "services": rng.sample(services, min(len(services), rng.randint(1, 2))),
                "challenge": challenge,
                "results": results,
                "figures": [{"value": v, "label": label} for v, label in figures if label],
            }
        )
    return studies
