"""Is this request from a robot? Decided from the User-Agent header alone, never stored.

A compact pattern of the words robots announce themselves with (bot, crawler, spider, …), the
HTTP libraries and headless browsers that scrapers use, and link-preview fetchers (a chat app
unfurling a link is not a visitor). The maintained lists on PyPI (``crawler-user-agents``,
``crawlerdetect``) carry several hundred patterns each, mostly of named robots that already
match a generic word here; see docs/insights.md for why this one is used instead.
"""

from __future__ import annotations

import re
from functools import lru_cache

_ROBOT = re.compile(
    r"bot\b|bot[/_;-]|crawl|spider|slurp|scrap|archiver|fetch|monitor|checker|preview|scan"
    r"|headless|phantomjs|puppeteer|playwright|selenium|lighthouse|pagespeed|pingdom"
    r"|python|curl|wget|httpclient|http-client|okhttp|go-http|java/|libwww|perl|ruby|axios"
    r"|node-fetch|undici|guzzle|aiohttp|httpx|postman|insomnia|facebookexternalhit"
    r"|embedly|quora link|whatsapp|telegram|discord|skypeuripreview|bitlybot|mediapartners"
    r"|google-read-aloud|feedfetcher|apis-google|bingpreview|ia_archiver|gptbot",
    re.IGNORECASE,
)


@lru_cache(maxsize=4096)
def is_robot(user_agent: str | None) -> bool:
    """True for a robot, a script or an empty User-Agent (browsers always send one)."""
    if not user_agent or len(user_agent) < 10:
        return True
    return _ROBOT.search(user_agent) is not None
