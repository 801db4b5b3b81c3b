"""Service categories and services, with search synonyms in English and French (data only)."""

from __future__ import annotations

from .term import Term
from .term import terms as _terms

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
