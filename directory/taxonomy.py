"""The program's taxonomy: categories, services, industries, products, tiers and bands.

This is data, not code: every slug carries its English and French label, and services carry
search synonyms in both languages. Slugs are the import contract's (``shared/import-format.md``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import get_locale


@dataclass(frozen=True)
class Term:
    """One taxonomy entry: a stable slug, its labels, and (for services) synonyms."""

    slug: str
    en: str
    fr: str
    category: str | None = None
    synonyms: tuple[str, ...] = field(default=())

    def label(self, locale: str | None = None) -> str:
        """The label in ``locale`` (default: the request's), English as the fallback."""
        locale = locale or current_language()
        return self.fr if locale == "fr" else self.en


def current_language() -> str:
    """The active interface language ("en" or "fr"), "en" outside a request."""
    try:
        locale = get_locale()
    except (RuntimeError, AttributeError):
        return "en"
    return locale.language if locale else "en"


def _terms(*terms: Term) -> dict[str, Term]:
    return {t.slug: t for t in terms}


CATEGORIES = _terms(
    Term("marketing", "Marketing", "Marketing"),
    Term("sales", "Sales", "Ventes"),
    Term("it", "IT services", "Services informatiques"),
    Term("customer-service", "Customer service", "Service client"),
    Term("web-design", "Web design", "Conception web"),
    Term("crm-implementation", "CRM implementation", "Mise en place du CRM"),
)

SERVICES = _terms(
    # marketing
    Term(
        "inbound-marketing",
        "Inbound marketing",
        "Marketing entrant (inbound)",
        "marketing",
        ("inbound",),
    ),
    Term(
        "seo",
        "Search engine optimization",
        "Référencement naturel (SEO)",
        "marketing",
        ("seo", "référencement", "référencement naturel", "search engine optimisation"),
    ),
    Term(
        "content-marketing",
        "Content marketing",
        "Marketing de contenu",
        "marketing",
        ("content", "contenu", "copywriting", "rédaction"),
    ),
    Term(
        "paid-advertising",
        "Paid advertising",
        "Publicité payante (SEA)",
        "marketing",
        (
            "sea",
            "ppc",
            "google ads",
            "adwords",
            "pay per click",
            "liens sponsorisés",
            "référencement payant",
            "sem",
        ),
    ),
    Term(
        "social-media",
        "Social media marketing",
        "Marketing des réseaux sociaux",
        "marketing",
        ("social media", "réseaux sociaux", "smo", "community management"),
    ),
    Term(
        "email-marketing",
        "Email marketing",
        "Marketing par e-mail",
        "marketing",
        ("emailing", "newsletter", "e-mailing"),
    ),
    Term(
        "marketing-automation",
        "Marketing automation",
        "Automatisation du marketing",
        "marketing",
        ("automation", "automatisation", "workflows"),
    ),
    Term(
        "account-based-marketing",
        "Account-based marketing",
        "Marketing des comptes stratégiques",
        "marketing",
        ("abm",),
    ),
    Term(
        "branding",
        "Branding",
        "Image de marque",
        "marketing",
        ("brand", "marque", "identité visuelle", "brand identity"),
    ),
    Term(
        "video-production",
        "Video production",
        "Production vidéo",
        "marketing",
        ("video", "vidéo", "motion design"),
    ),
    # sales
    Term(
        "sales-enablement",
        "Sales enablement",
        "Aide à la vente (sales enablement)",
        "sales",
        ("enablement",),
    ),
    Term(
        "sales-training", "Sales training", "Formation commerciale", "sales", ("formation vente",)
    ),
    Term(
        "sales-process-consulting",
        "Sales process consulting",
        "Conseil en processus de vente",
        "sales",
        ("pipeline", "processus commercial"),
    ),
    Term(
        "revenue-operations",
        "Revenue operations",
        "Opérations de revenus (RevOps)",
        "sales",
        ("revops",),
    ),
    # it
    Term(
        "custom-integration",
        "Custom integration",
        "Intégration sur mesure",
        "it",
        ("api", "integration", "intégration", "connecteur"),
    ),
    Term("data-migration", "Data migration", "Migration de données", "it", ("migration",)),
    Term(
        "custom-development",
        "Custom development",
        "Développement sur mesure",
        "it",
        ("développement spécifique", "software development"),
    ),
    Term(
        "app-development",
        "App development",
        "Développement d'applications",
        "it",
        ("mobile app", "application mobile", "app"),
    ),
    Term(
        "it-consulting",
        "IT consulting",
        "Conseil informatique",
        "it",
        ("conseil it", "it strategy", "dsi"),
    ),
    # customer service
    Term(
        "service-hub-implementation",
        "Service Hub implementation",
        "Mise en place de Service Hub",
        "customer-service",
        ("service hub",),
    ),
    Term(
        "customer-success-consulting",
        "Customer success consulting",
        "Conseil en succès client",
        "customer-service",
        ("customer success", "succès client"),
    ),
    Term(
        "help-desk-setup",
        "Help desk setup",
        "Mise en place du support client",
        "customer-service",
        ("helpdesk", "ticketing", "support"),
    ),
    # web design
    Term(
        "website-design",
        "Website design",
        "Conception de sites web",
        "web-design",
        ("web design", "webdesign", "ux", "ui", "site internet", "site web"),
    ),
    Term(
        "website-development",
        "Website development",
        "Développement de sites web",
        "web-design",
        ("web development", "développement web"),
    ),
    Term(
        "cms-development",
        "CMS development",
        "Développement CMS",
        "web-design",
        ("cms", "wordpress", "content hub"),
    ),
    Term(
        "ecommerce-website",
        "E-commerce website",
        "Site de commerce en ligne",
        "web-design",
        (
            "e-commerce",
            "ecommerce",
            "commerce en ligne",
            "online store",
            "boutique en ligne",
            "e-shop",
            "shopify",
        ),
    ),
    Term(
        "conversion-optimization",
        "Conversion rate optimization",
        "Optimisation du taux de conversion",
        "web-design",
        ("cro", "a/b testing", "ab testing", "landing pages"),
    ),
    # crm
    Term(
        "crm-implementation",
        "CRM implementation",
        "Mise en place du CRM",
        "crm-implementation",
        ("crm", "gestion de la relation client"),
    ),
    Term(
        "crm-migration",
        "CRM migration",
        "Migration de CRM",
        "crm-implementation",
        ("salesforce migration", "changement de crm"),
    ),
    Term(
        "onboarding",
        "Onboarding",
        "Prise en main (onboarding)",
        "crm-implementation",
        ("setup", "paramétrage"),
    ),
    Term("training", "Training", "Formation", "crm-implementation", ("formation", "coaching")),
    Term(
        "reporting-analytics",
        "Reporting and analytics",
        "Reporting et analyse de données",
        "crm-implementation",
        ("analytics", "reporting", "dashboards", "tableaux de bord", "bi"),
    ),
)

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


def label(vocabulary: dict[str, Term], slug: str | None, locale: str | None = None) -> str:
    """Localized label of ``slug`` in ``vocabulary``; the slug itself if unknown."""
    if slug is None:
        return ""
    term = vocabulary.get(slug)
    return term.label(locale) if term else slug
