"""Taglines, descriptions and reviews for demo agencies, one entry per language (data only).

Languages without an entry here fall back to English texts.
Placeholders: {name} {city} {founded} {services} {industry}.
"""

from __future__ import annotations

# Taglines and description sentences by the agency's main service category.
TAGLINES = {
    "en": {
        "marketing": "Inbound marketing that fills your pipeline",
        "sales": "Sales teams that close more, faster",
        "it": "Integrations and custom development for HubSpot",
        "customer-service": "Customer service your clients remember",
        "web-design": "Websites that turn visitors into leads",
        "crm-implementation": "CRM implementation done right",
    },
    "fr": {
        "marketing": "Le marketing inbound qui remplit votre pipeline",
        "sales": "Des équipes commerciales plus efficaces",
        "it": "Intégrations et développement sur mesure",
        "customer-service": "Un service client qui fidélise",
        "web-design": "Des sites web qui génèrent des contacts",
        "crm-implementation": "Votre CRM, bien déployé",
    },
    "de": {
        "marketing": "Inbound-Marketing, das Leads bringt",
        "sales": "Vertrieb, der schneller abschließt",
        "it": "Integrationen und Individualentwicklung",
        "customer-service": "Kundenservice, der begeistert",
        "web-design": "Websites, die verkaufen",
        "crm-implementation": "CRM-Einführung mit System",
    },
    "es": {
        "marketing": "Marketing inbound que llena tu embudo",
        "sales": "Equipos comerciales que cierran más",
        "it": "Integraciones y desarrollo a medida",
        "customer-service": "Atención al cliente que fideliza",
        "web-design": "Sitios web que convierten",
        "crm-implementation": "Implantación de CRM sin sorpresas",
    },
    "it": {
        "marketing": "Inbound marketing che genera contatti",
        "sales": "Team commerciali più efficaci",
        "it": "Integrazioni e sviluppo su misura",
        "customer-service": "Un servizio clienti che fidelizza",
        "web-design": "Siti web che convertono",
        "crm-implementation": "Implementazione CRM fatta bene",
    },
    "pt": {
        "marketing": "Marketing inbound que gera oportunidades",
        "sales": "Times comerciais que vendem mais",
        "it": "Integrações e desenvolvimento sob medida",
        "customer-service": "Atendimento que fideliza clientes",
        "web-design": "Sites que convertem visitantes",
        "crm-implementation": "Implantação de CRM do jeito certo",
    },
    "nl": {
        "marketing": "Inbound marketing die leads oplevert",
        "sales": "Salesteams die sneller sluiten",
        "it": "Integraties en maatwerk",
        "customer-service": "Klantenservice waar klanten blij van worden",
        "web-design": "Websites die converteren",
        "crm-implementation": "CRM-implementatie zonder gedoe",
    },
    "ja": {
        "marketing": "成果につながるインバウンドマーケティング",
        "sales": "営業チームの成約率を高めます",
        "it": "システム連携とカスタム開発",
        "customer-service": "顧客に選ばれるカスタマーサービス",
        "web-design": "成果を生むウェブサイト制作",
        "crm-implementation": "確実なCRM導入支援",
    },
}

DESCRIPTIONS = {
    "en": [
        "{name} is an agency based in {city}, founded in {founded}.",
        "We help our clients with {services}.",
        "Most of our work is for companies in {industry}.",
    ],
    "fr": [
        "{name} est une agence basée à {city}, fondée en {founded}.",
        "Nous accompagnons nos clients : {services}.",
        "Nous travaillons surtout pour le secteur : {industry}.",
    ],
    "de": [
        "{name} ist eine Agentur mit Sitz in {city}, gegründet {founded}.",
        "Wir unterstützen unsere Kunden bei {services}.",
        "Unsere Kunden kommen vor allem aus der Branche {industry}.",
    ],
    "es": [
        "{name} es una agencia con sede en {city}, fundada en {founded}.",
        "Ayudamos a nuestros clientes con {services}.",
        "Trabajamos sobre todo para el sector {industry}.",
    ],
    "it": [
        "{name} è un'agenzia con sede a {city}, fondata nel {founded}.",
        "Aiutiamo i nostri clienti con {services}.",
        "Lavoriamo soprattutto nel settore {industry}.",
    ],
    "pt": [
        "{name} é uma agência sediada em {city}, fundada em {founded}.",
        "Ajudamos nossos clientes com {services}.",
        "Atendemos principalmente o setor de {industry}.",
    ],
    "nl": [
        "{name} is een bureau gevestigd in {city}, opgericht in {founded}.",
        "We helpen onze klanten met {services}.",
        "We werken vooral voor de sector {industry}.",
    ],
    "ja": [
        "{name}は{founded}年に{city}で設立されたエージェンシーです。",
        "{services}を中心にお客様を支援しています。",
        "主な業界：{industry}。",
    ],
}

# Review titles and bodies by sentiment: 0 negative (1–2), 1 mixed (3), 2 positive (4–5).
REVIEW_TITLES = {
    "en": (
        ["Disappointing", "Not what we expected"],
        ["Decent work", "Good but slow"],
        ["A real partner", "Excellent results", "Highly recommended"],
    ),
    "fr": (
        ["Décevant", "Pas à la hauteur"],
        ["Correct", "Bon travail mais lent"],
        ["Un vrai partenaire", "Excellent travail", "Je recommande"],
    ),
    "de": (
        ["Enttäuschend", "Nicht wie erwartet"],
        ["Solide Arbeit", "Gut, aber langsam"],
        ["Ein echter Partner", "Hervorragende Ergebnisse", "Sehr empfehlenswert"],
    ),
    "es": (
        ["Decepcionante", "No cumplió"],
        ["Correcto", "Bien pero lento"],
        ["Un verdadero socio", "Resultados excelentes", "Muy recomendable"],
    ),
    "it": (
        ["Deludente", "Non all'altezza"],
        ["Discreto", "Buono ma lento"],
        ["Un vero partner", "Risultati eccellenti", "Consigliatissimi"],
    ),
    "pt": (
        ["Decepcionante", "Abaixo do esperado"],
        ["Razoável", "Bom, mas lento"],
        ["Um verdadeiro parceiro", "Resultados excelentes", "Recomendo muito"],
    ),
    "nl": (
        ["Teleurstellend", "Niet wat we verwachtten"],
        ["Degelijk", "Goed maar traag"],
        ["Een echte partner", "Uitstekende resultaten", "Aanrader"],
    ),
    "ja": (
        ["期待外れでした", "残念な結果"],
        ["まずまずです", "良いが時間がかかった"],
        ["信頼できるパートナー", "素晴らしい成果", "強くおすすめします"],
    ),
}
REVIEW_BODIES = {
    "en": (
        [
            "Deadlines slipped and communication was hard.",
            "The project went over budget without clear results.",
        ],
        [
            "The work was fine, though we had to push for updates.",
            "Good technical skills, project management could improve.",
        ],
        [
            "They understood our business and delivered on time.",
            "Our lead volume doubled within six months. Great team.",
        ],
    ),
    "fr": (
        ["Délais non tenus et communication difficile.", "Budget dépassé sans résultats clairs."],
        [
            "Travail correct, mais il a fallu relancer souvent.",
            "Bonnes compétences techniques, gestion de projet à améliorer.",
        ],
        [
            "Ils ont compris notre métier et livré dans les temps.",
            "Nos demandes de contact ont doublé en six mois. Équipe formidable.",
        ],
    ),
    "de": (
        [
            "Termine wurden nicht eingehalten, die Kommunikation war schwierig.",
            "Das Budget wurde überschritten, ohne klare Ergebnisse.",
        ],
        [
            "Ordentliche Arbeit, wir mussten aber oft nachfragen.",
            "Technisch gut, das Projektmanagement ist ausbaufähig.",
        ],
        [
            "Sie haben unser Geschäft verstanden und pünktlich geliefert.",
            "Unsere Anfragen haben sich in sechs Monaten verdoppelt.",
        ],
    ),
    "es": (
        [
            "No cumplieron los plazos y la comunicación fue difícil.",
            "Se superó el presupuesto sin resultados claros.",
        ],
        [
            "Trabajo correcto, aunque tuvimos que insistir.",
            "Buen nivel técnico, la gestión del proyecto puede mejorar.",
        ],
        [
            "Entendieron nuestro negocio y cumplieron los plazos.",
            "Duplicamos los contactos en seis meses. Gran equipo.",
        ],
    ),
    "it": (
        [
            "Scadenze non rispettate e comunicazione difficile.",
            "Budget superato senza risultati chiari.",
        ],
        [
            "Lavoro discreto, ma abbiamo dovuto sollecitare spesso.",
            "Buone competenze tecniche, gestione del progetto migliorabile.",
        ],
        [
            "Hanno capito il nostro business e consegnato in tempo.",
            "I contatti sono raddoppiati in sei mesi. Squadra eccellente.",
        ],
    ),
    "pt": (
        [
            "Prazos não cumpridos e comunicação difícil.",
            "O orçamento estourou sem resultados claros.",
        ],
        [
            "Trabalho razoável, mas tivemos que cobrar bastante.",
            "Boa parte técnica, a gestão do projeto pode melhorar.",
        ],
        [
            "Entenderam nosso negócio e entregaram no prazo.",
            "Dobramos os leads em seis meses. Equipe excelente.",
        ],
    ),
    "nl": (
        [
            "Deadlines werden niet gehaald en de communicatie was lastig.",
            "Het budget werd overschreden zonder duidelijke resultaten.",
        ],
        [
            "Degelijk werk, al moesten we vaak navragen.",
            "Technisch sterk, projectmanagement kan beter.",
        ],
        [
            "Ze begrepen ons bedrijf en leverden op tijd.",
            "Onze leads verdubbelden binnen zes maanden.",
        ],
    ),
    "ja": (
        ["納期が守られず、連絡も取りにくかったです。", "予算を超過し、成果も不明確でした。"],
        ["仕事は問題ありませんが、催促が必要でした。", "技術力は高いが、進行管理に課題あり。"],
        [
            "私たちのビジネスを理解し、期限通りに納品してくれました。",
            "半年で問い合わせ数が倍増しました。素晴らしいチームです。",
        ],
    ),
}
