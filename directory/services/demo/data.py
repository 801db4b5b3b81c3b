"""How the demo agencies are spread: countries, languages, tiers, sizes and budgets (data)."""

from __future__ import annotations

# (ISO country, weight, Faker locale, language of texts, calling code). Weights follow where
# HubSpot partners are; every continent is present so the region facets have something.
COUNTRIES = [
    ("US", 20, "en_US", "en", "1"), ("GB", 8, "en_GB", "en", "44"),
    ("FR", 9, "fr_FR", "fr", "33"), ("DE", 6, "de_DE", "de", "49"),
    ("CA", 3.5, "en_CA", "en", "1"), ("AU", 2.5, "en_AU", "en", "61"),
    ("ES", 4, "es_ES", "es", "34"), ("IT", 3, "it_IT", "it", "39"),
    ("NL", 2.5, "nl_NL", "nl", "31"), ("BE", 1.5, "fr_BE", "fr", "32"),
    ("CH", 1.5, "de_CH", "de", "41"), ("AT", 1, "de_AT", "de", "43"),
    ("PT", 1, "pt_PT", "pt", "351"), ("IE", 1, "en_IE", "en", "353"),
    ("SE", 1, "sv_SE", "en", "46"), ("DK", 0.8, "da_DK", "en", "45"),
    ("NO", 0.6, "no_NO", "en", "47"), ("FI", 0.5, "fi_FI", "en", "358"),
    ("PL", 1, "pl_PL", "en", "48"), ("CZ", 0.5, "cs_CZ", "en", "420"),
    ("RO", 0.4, "ro_RO", "en", "40"), ("GR", 0.3, "el_GR", "en", "30"),
    ("LU", 0.3, "fr_FR", "fr", "352"), ("MX", 1.5, "es_MX", "es", "52"),
    ("BR", 3, "pt_BR", "pt", "55"), ("AR", 1, "es_AR", "es", "54"),
    ("CO", 1, "es_CO", "es", "57"), ("CL", 0.8, "es_CL", "es", "56"),
    ("PE", 0.4, "es_ES", "es", "51"), ("JP", 2, "ja_JP", "ja", "81"),
    ("IN", 2.5, "en_IN", "en", "91"), ("SG", 1, "en_US", "en", "65"),
    ("AE", 0.8, "en_US", "en", "971"), ("IL", 0.6, "he_IL", "en", "972"),
    ("KR", 0.6, "ko_KR", "en", "82"), ("PH", 0.5, "en_PH", "en", "63"),
    ("ID", 0.4, "id_ID", "en", "62"), ("TR", 0.5, "tr_TR", "en", "90"),
    ("TH", 0.3, "th_TH", "en", "66"), ("ZA", 1, "en_US", "en", "27"),
    ("NG", 0.6, "en_NG", "en", "234"), ("KE", 0.5, "en_KE", "en", "254"),
    ("EG", 0.4, "en_US", "en", "20"), ("MA", 0.5, "fr_FR", "fr", "212"),
    ("NZ", 0.7, "en_NZ", "en", "64"),
]  # fmt: skip
# Cities whose agencies write in another language than the country's default.
CITY_LANGUAGE = {
    "Montréal": "fr",
    "Québec": "fr",
    "Laval": "fr",
    "Gatineau": "fr",
    "Geneva": "fr",
    "Lausanne": "fr",
    "Antwerp": "nl",
    "Gent": "nl",
    "Brugge": "nl",
    "Leuven": "nl",
    "Mechelen": "nl",
    "Aalst": "nl",
    "Hasselt": "nl",
    "Kortrijk": "nl",
    "Oostende": "nl",
    "Genk": "nl",
    "Sint-Niklaas": "nl",
}
FAKER_OVERRIDE = {"fr": "fr_CA", "nl": "nl_BE"}  # locale for those cities' people

# Among partners: many untiered or Gold, few Elite.
TIER_NAMES = [None, "gold", "platinum", "diamond", "elite"]
TIER_WEIGHTS = [25, 40, 22, 9, 4]
LOCALE_BY_LANGUAGE = {
    "fr": "fr_FR",
    "de": "de_DE",
    "es": "es_ES",
    "it": "it_IT",
    "pt": "pt_BR",
    "nl": "nl_NL",
    "ja": "ja_JP",
    "en": "en_GB",
}
TEAM_BY_RANK = {
    0: ["1-10", "11-50", "11-50", "51-200"],
    1: ["1-10", "11-50", "51-200"],
    2: ["11-50", "51-200"],
    3: ["11-50", "51-200", "201-500"],
    4: ["51-200", "201-500"],
    5: ["201-500", "501+"],
}
REVIEWS_BY_RANK = {0: 3, 1: 4, 2: 6, 3: 10, 4: 15, 5: 25}  # mean review count
BUDGETS = [1000, 2000, 2500, 5000, 7500, 10000, 15000, 25000, 50000, 100000]
PRODUCTS_BY_CATEGORY = {
    "marketing": "marketing-hub",
    "sales": "sales-hub",
    "it": "operations-hub",
    "customer-service": "service-hub",
    "web-design": "content-hub",
    "crm-implementation": "sales-hub",
}
