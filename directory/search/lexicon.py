"""The words people type around what they search for, in French and English (data only).

``understanding`` builds its lookup tables from this module, the taxonomy and the place
names of ``geo``; the Meilisearch settings take their stop words and synonyms from the same
tables, so both engines read a query the same way. Every entry is written as people type
it; folding (case, accents) happens when the tables are built.
"""

from __future__ import annotations

# Function words: no engine matches them (Meilisearch ``stopWords``, the embedded engine's
# query parser), and understanding drops them. Only words that never carry meaning alone.
STOP_WORDS: tuple[str, ...] = (
    # French
    "à", "au", "aux", "d", "de", "des", "du", "en", "et", "l", "la", "le", "les", "pour",
    "par", "sur", "un", "une", "avec", "dans", "chez", "près",
    # English
    "a", "an", "and", "at", "for", "in", "near", "of", "on", "the", "to", "with", "around",
)  # fmt: skip

# Words that say "an agency" or "a good one" without narrowing the search: understanding
# drops them (and says so); the engines still match them when the visitor asks for the words
# themselves, since they occur in agency names ("Best Agency", "Cabinet Martin").
FILLERS: tuple[str, ...] = (
    "agence", "agences", "agency", "agencies", "cabinet", "cabinets", "consultant",
    "consultants", "consultante", "consultancy", "company", "companies", "société",
    "sociétés", "entreprise", "entreprises", "firm", "firms", "prestataire", "prestataires",
    "expert", "experts", "experte", "spécialiste", "spécialistes", "specialist", "specialists",
    "best", "top", "good", "great", "meilleur", "meilleure", "meilleurs", "meilleures", "bon",
    "bonne", "bons", "bonnes", "recommended", "recommandé", "recommandée", "near me",
    "close to", "près de", "proche de", "autour de", "à côté de", "looking for", "je cherche",
    "cherche", "recherche", "find", "trouver", "need", "besoin", "services", "service in",
)  # fmt: skip

# Spoken languages: ISO 639-1 code → how people say "speaking it" (more come from CLDR names:
# "<English name>-speaking", "<English name> speaking", "parlant <French name>").
LANGUAGE_WORDS: dict[str, tuple[str, ...]] = {
    "fr": ("francophone", "francophones"),
    "en": ("anglophone", "anglophones"),
    "es": ("hispanophone", "hispanophones", "hispanic"),
    "de": ("germanophone", "germanophones"),
    "pt": ("lusophone", "lusophones"),
    "ar": ("arabophone", "arabophones"),
    "it": ("italophone", "italophones"),
    "nl": ("néerlandophone", "néerlandophones"),
}
# Languages whose CLDR names make "-speaking" / "parlant …" phrases.
SPOKEN_LANGUAGES: tuple[str, ...] = (
    "fr", "en", "de", "es", "it", "pt", "nl", "ar", "zh", "ja", "ko", "ru", "pl", "sv",
    "da", "no", "fi", "tr", "he", "hi",
)  # fmt: skip

# Industries: slug → what people type besides the labels.
INDUSTRY_WORDS: dict[str, tuple[str, ...]] = {
    "software": ("saas", "éditeur de logiciels", "software companies", "logiciel"),
    "healthcare": ("health", "santé", "medical", "médical", "pharma", "healthtech"),
    "manufacturing": ("industrie", "industrial", "industriel", "industry 4.0"),
    "financial-services": ("finance", "banking", "banque", "fintech", "insurance", "assurance"),
    "education": ("edtech", "école", "schools", "university", "université", "formation initiale"),
    "nonprofit": ("non-profit", "ngo", "ong", "charity", "associations", "association"),
    "retail-ecommerce": ("retail", "commerce de détail", "distribution"),
    "real-estate": ("immobilier", "proptech", "property"),
    "travel-hospitality": ("tourisme", "tourism", "hospitality", "hôtellerie", "hotels", "travel"),
    "professional-services": ("services professionnels",),
    "media-entertainment": ("médias", "media", "entertainment", "divertissement"),
    "energy-utilities": ("energy", "énergie", "utilities"),
    "government": ("public sector", "secteur public", "administration", "collectivités"),
    "construction": ("btp", "bâtiment"),
    "automotive": ("automobile", "automotive industry"),
    "consumer-goods": ("fmcg", "cpg", "grande consommation"),
    "telecommunications": ("telecom", "telecoms", "télécoms"),
    "logistics": ("logistique", "transport", "supply chain"),
    "agriculture": ("agritech", "agroalimentaire"),
    "legal": ("juridique", "law firms", "avocats", "lawyers"),
}

# Countries people name by a short form that CLDR and ISO do not list.
COUNTRY_WORDS: dict[str, tuple[str, ...]] = {
    "US": ("usa", "états-unis d'amérique", "america", "amérique"),
    "GB": ("uk", "great britain", "grande-bretagne", "britain"),
    "AE": ("uae", "émirats", "emirates"),
    "NL": ("holland", "hollande"),
    "CH": ("suisse romande",),
    "KR": ("korea", "corée"),
}

# Regions inside a country: (English name, French name, country, GeoNames admin1 code,
# other names). A region reads as its cities (the city facet), as GeoNames groups them.
REGIONS: tuple[tuple[str, str, str, str, tuple[str, ...]], ...] = (
    ("Île-de-France", "Île-de-France", "FR", "11", ("idf", "région parisienne", "paris region")),
    ("Auvergne-Rhône-Alpes", "Auvergne-Rhône-Alpes", "FR", "84", ("rhône-alpes", "auvergne")),
    ("Provence-Alpes-Côte d'Azur", "Provence-Alpes-Côte d'Azur", "FR", "93",
     ("paca", "provence", "côte d'azur", "french riviera")),
    ("Occitanie", "Occitanie", "FR", "76", ("occitania",)),
    ("Nouvelle-Aquitaine", "Nouvelle-Aquitaine", "FR", "75", ("aquitaine",)),
    ("Hauts-de-France", "Hauts-de-France", "FR", "32", ("nord-pas-de-calais",)),
    ("Grand Est", "Grand Est", "FR", "44", ("alsace", "lorraine")),
    ("Brittany", "Bretagne", "FR", "53", ()),
    ("Normandy", "Normandie", "FR", "28", ()),
    ("Pays de la Loire", "Pays de la Loire", "FR", "52", ()),
    ("Bourgogne-Franche-Comté", "Bourgogne-Franche-Comté", "FR", "27", ("burgundy", "bourgogne")),
    ("Centre-Val de Loire", "Centre-Val de Loire", "FR", "24", ()),
    ("Corsica", "Corse", "FR", "94", ()),
    ("Bavaria", "Bavière", "DE", "02", ("bayern",)),
    ("Baden-Württemberg", "Bade-Wurtemberg", "DE", "01", ()),
    ("North Rhine-Westphalia", "Rhénanie-du-Nord-Westphalie", "DE", "07", ("nrw",)),
    ("Hesse", "Hesse", "DE", "05", ("hessen",)),
    ("Catalonia", "Catalogne", "ES", "56", ("catalunya", "cataluña")),
    ("Andalusia", "Andalousie", "ES", "51", ("andalucía",)),
    ("Lombardy", "Lombardie", "IT", "09", ("lombardia",)),
    ("Lazio", "Latium", "IT", "07", ()),
    ("England", "Angleterre", "GB", "ENG", ()),
    ("Scotland", "Écosse", "GB", "SCT", ()),
    ("Wales", "Pays de Galles", "GB", "WLS", ()),
    ("Northern Ireland", "Irlande du Nord", "GB", "NIR", ()),
    ("Quebec", "Québec", "CA", "10", ("province de québec",)),
    ("Ontario", "Ontario", "CA", "08", ()),
    ("British Columbia", "Colombie-Britannique", "CA", "02", ()),
    ("Alberta", "Alberta", "CA", "01", ()),
    ("California", "Californie", "US", "CA", ()),
    ("New York State", "État de New York", "US", "NY", ()),
    ("Texas", "Texas", "US", "TX", ()),
    ("Florida", "Floride", "US", "FL", ()),
    ("Massachusetts", "Massachusetts", "US", "MA", ()),
    ("Illinois", "Illinois", "US", "IL", ()),
    ("Washington State", "État de Washington", "US", "WA", ()),
)  # fmt: skip
# Cities of a region the filter lists, most populous first (a facet group takes ≤ 20 values
# from a URL; understanding stays in the same order of magnitude).
REGION_CITIES = 30

# Words of the world regions besides CLDR's names (continent code → names).
WORLD_REGION_WORDS: dict[str, tuple[str, ...]] = {
    "NA": ("amérique du nord", "north american"),
    "SA": ("latin america", "amérique latine", "amérique du sud", "latam"),
    "EU": ("european", "européenne", "européen"),
    "AS": ("asian", "asie-pacifique", "apac"),
    "AF": ("african", "africaine"),
    "OC": ("australasia", "océanie"),
}

# Cities read as a place only from this population up (smaller towns share names with
# everyday words and agency names: Best, Orange, Mobile…).
CITY_MIN_POPULATION = 100_000
# Words that are a large city's name but far more often something else in a query.
NOT_PLACES: tuple[str, ...] = (
    "mobile", "reading", "orange", "digital", "sale", "sales", "victoria", "independence",
    "surprise", "temple", "miami gardens", "bath", "split", "nice to", "concord", "enterprise",
    "hollywood", "pueblo", "media", "batman", "marketing", "brand", "content", "growth",
)  # fmt: skip
# Everyday words of agency names and queries: never corrected into something else by typo
# (“media” is not “Medina”, “studio” is not a city).
KNOWN_WORDS: tuple[str, ...] = (
    "media", "medias", "studio", "studios", "design", "designs", "digital", "group", "groupe",
    "labs", "partners", "partner", "solutions", "consulting", "conseil", "creative", "brand",
    "online", "social", "global", "north", "smart", "cloud", "factory", "works", "growth",
    "agile", "lumiere", "nordic", "atelier", "maison", "bureau", "digitale", "numerique",
    "marketing", "markets", "market", "sales", "vente", "ventes", "web", "webs", "tech",
    "technologies", "interactive", "network", "networks", "systems", "lab", "hub", "hubs",
    "ventures", "strategy", "strategie", "data", "insights", "pixel", "pixels", "code", "codes",
    "mobile", "mobiles", "commerce", "ecommerce", "graphic", "graphique", "communication",
    "communications", "relations", "public", "publics", "presse", "press", "print",
    "events", "evenements", "people", "human", "talent", "local", "locale", "international",
)  # fmt: skip
