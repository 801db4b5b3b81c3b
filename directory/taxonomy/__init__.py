"""The program's taxonomy: categories, services, industries, products, tiers and bands.

This is data, not code: every slug carries its English and French label, and services carry
search synonyms in both languages. Slugs are the import contract's (``shared/import-format.md``).
"""

from __future__ import annotations

from .service_terms import CATEGORIES, SERVICES
from .term import Term, current_language, label
from .term import terms as _terms

__all__ = [
    "ACCREDITATIONS",
    "BUDGET_BANDS",
    "BUDGET_BOUNDS",
    "CATEGORIES",
    "CLIENT_SIZES",
    "INDUSTRIES",
    "PRODUCTS",
    "PROGRAMS",
    "SERVICES",
    "STATUSES",
    "TEAM_SIZES",
    "TIERS",
    "Term",
    "budget_band",
    "current_language",
    "label",
    "services_by_category",
    "tier_rank",
]

INDUSTRIES = _terms(
    Term("software", "Software", "Logiciels"),
    Term("healthcare", "Healthcare", "Santé"),
    Term("manufacturing", "Manufacturing", "Industrie manufacturière"),
    Term("financial-services", "Financial services", "Services financiers"),
    Term("education", "Education", "Éducation"),
    Term("nonprofit", "Nonprofit", "Associations et ONG"),
    Term("retail-ecommerce", "Retail and e-commerce", "Commerce de détail et e-commerce"),
    Term("real-estate", "Real estate", "Immobilier"),
    Term("travel-hospitality", "Travel and hospitality", "Tourisme et hôtellerie"),
    Term("professional-services", "Professional services", "Services professionnels"),
    Term("media-entertainment", "Media and entertainment", "Médias et divertissement"),
    Term("energy-utilities", "Energy and utilities", "Énergie et services publics"),
    Term("government", "Government", "Secteur public"),
    Term("construction", "Construction", "Construction et BTP"),
    Term("automotive", "Automotive", "Automobile"),
    Term("consumer-goods", "Consumer goods", "Biens de consommation"),
    Term("telecommunications", "Telecommunications", "Télécommunications"),
    Term("logistics", "Logistics", "Logistique et transport"),
    Term("agriculture", "Agriculture", "Agriculture"),
    Term("legal", "Legal", "Juridique"),
)

PRODUCTS = _terms(
    Term("marketing-hub", "Marketing Hub", "Marketing Hub"),
    Term("sales-hub", "Sales Hub", "Sales Hub"),
    Term("service-hub", "Service Hub", "Service Hub"),
    Term("content-hub", "Content Hub", "Content Hub"),
    Term("operations-hub", "Operations Hub", "Operations Hub"),
    Term("commerce-hub", "Commerce Hub", "Commerce Hub"),
)

CLIENT_SIZES = _terms(
    Term("small", "Small businesses (1–50 employees)", "Petites entreprises (1 à 50 salariés)"),
    Term("mid-market", "Mid-market (51–1,000 employees)", "ETI (51 à 1 000 salariés)"),
    Term("enterprise", "Enterprise (1,000+ employees)", "Grands comptes (plus de 1 000 salariés)"),
)

TEAM_SIZES = _terms(
    Term("1-10", "1–10 people", "1 à 10 personnes"),
    Term("11-50", "11–50 people", "11 à 50 personnes"),
    Term("51-200", "51–200 people", "51 à 200 personnes"),
    Term("201-500", "201–500 people", "201 à 500 personnes"),
    Term("501+", "501+ people", "Plus de 500 personnes"),
)

ACCREDITATIONS = _terms(
    Term("onboarding", "Onboarding accreditation", "Accréditation Onboarding"),
    Term(
        "crm-implementation",
        "CRM implementation accreditation",
        "Accréditation Mise en place du CRM",
    ),
    Term(
        "custom-integration",
        "Custom integration accreditation",
        "Accréditation Intégration sur mesure",
    ),
    Term(
        "platform-enablement",
        "Platform enablement accreditation",
        "Accréditation Adoption de la plateforme",
    ),
    Term(
        "solutions-architecture",
        "Solutions architecture accreditation",
        "Accréditation Architecture de solutions",
    ),
)

PROGRAMS = _terms(
    Term("provider", "Solutions provider", "Fournisseur de solutions"),
    Term("partner", "Solutions partner", "Partenaire de solutions"),
)

# Ordered lowest to highest: the index is the tier's rank.
TIERS = _terms(
    Term("gold", "Gold", "Gold"),
    Term("platinum", "Platinum", "Platinum"),
    Term("diamond", "Diamond", "Diamond"),
    Term("elite", "Elite", "Elite"),
)

# Budget bands (USD) for facets and lead forms: (slug, lower bound inclusive, upper exclusive).
BUDGET_BANDS = _terms(
    Term("lt-5k", "Under $5,000", "Moins de 5 000 $"),
    Term("5k-10k", "$5,000–$10,000", "5 000 à 10 000 $"),
    Term("10k-25k", "$10,000–$25,000", "10 000 à 25 000 $"),
    Term("25k-50k", "$25,000–$50,000", "25 000 à 50 000 $"),
    Term("50k-plus", "$50,000 and more", "50 000 $ et plus"),
)
BUDGET_BOUNDS: dict[str, tuple[int, int | None]] = {
    "lt-5k": (0, 5_000),
    "5k-10k": (5_000, 10_000),
    "10k-25k": (10_000, 25_000),
    "25k-50k": (25_000, 50_000),
    "50k-plus": (50_000, None),
}

STATUSES = ("draft", "published", "suspended")


def tier_rank(program: str, tier: str | None) -> int:
    """Rank used by the ranking policy.

    Elite 5 > Diamond 4 > Platinum 3 > Gold 2 > untiered partner 1 > provider 0.
    """
    if program != "partner":
        return 0
    if tier is None:
        return 1
    return 2 + list(TIERS).index(tier)


def budget_band(min_budget_usd: int | None) -> str | None:
    """The band an agency's minimum budget falls in, or None when it did not say."""
    if min_budget_usd is None:
        return None
    for slug, (low, high) in BUDGET_BOUNDS.items():
        if min_budget_usd >= low and (high is None or min_budget_usd < high):
            return slug
    return None


def services_by_category() -> dict[str, list[Term]]:
    """Services grouped under their category, in taxonomy order."""
    grouped: dict[str, list[Term]] = {slug: [] for slug in CATEGORIES}
    for term in SERVICES.values():
        grouped[term.category].append(term)
    return grouped
