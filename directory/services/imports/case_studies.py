"""The ``case_studies`` of an import line: the dashboard's rules, with line-and-field messages.

Absent means "leave the agency's case studies as they are" (``None``); an array, even empty,
replaces them. Images are never fetched from a URL: an ``image`` is ignored with a warning,
and agencies upload theirs in the dashboard.
"""

from __future__ import annotations

from ...models.case_study import MAX_CASE_STUDIES, MAX_FIGURES, MAX_SERVICES
from ...taxonomy import SERVICES
from .fields import Checker, short, type_name

KNOWN = frozenset(
    ["title", "client_or_sector", "services", "challenge", "results", "figures", "image_alt"]
)


def check_case_studies(c: Checker, obj: dict) -> tuple[list[dict] | None, list[tuple[str, str]]]:
    """The line's case studies as draft entries (keys added by the writer), and warnings."""
    items = obj.get("case_studies")
    if items is None:
        return None, []
    if type(items) is not list:
        c.fail("case_studies", f"must be an array, not {type_name(items)}")
        return None, []
    if len(items) > MAX_CASE_STUDIES:
        c.fail("case_studies", f"has {len(items)} items, at most {MAX_CASE_STUDIES}")
        return None, []
    studies: list[dict] = []
    warnings: list[tuple[str, str]] = []
    for i, item in enumerate(items):
        path = f"case_studies[{i}]."
        if type(item) is not dict:
            c.fail(f"case_studies[{i}]", f"must be an object, not {type_name(item)}")
            continue
        studies.append(
            {
                "title": c.text(item, "title", path, 120, required=True),
                "client_or_sector": c.text(item, "client_or_sector", path, 120),
                "services": _services(c, item, path),
                "challenge": c.text(item, "challenge", path, 2000, multiline=True),
                "results": c.text(item, "results", path, 2000, multiline=True),
                "figures": _figures(c, item, path),
                "image": None,
                "image_alt": None,
            }
        )
        if "image" in item:
            warnings.append((f"{path}image", "not imported (upload it in the dashboard)"))
        warnings += [
            (path + k, "unknown field, ignored") for k in item if k not in KNOWN | {"image"}
        ]
    return studies, warnings


def _services(c: Checker, item: dict, path: str) -> list[str]:
    values = item.get("services")
    if values is None:
        return []
    if type(values) is not list:
        c.fail(f"{path}services", f"must be an array, not {type_name(values)}")
        return []
    if len(values) > MAX_SERVICES:
        c.fail(f"{path}services", f"has {len(values)} items, at most {MAX_SERVICES}")
        return []
    found: list[str] = []
    for j, value in enumerate(values):
        if type(value) is not str or value not in SERVICES:
            c.fail(f"{path}services[{j}]", f"unknown service slug {short(value)}")
        elif value not in found:
            found.append(value)
    return found


def _figures(c: Checker, item: dict, path: str) -> list[dict]:
    values = item.get("figures")
    if values is None:
        return []
    if type(values) is not list:
        c.fail(f"{path}figures", f"must be an array, not {type_name(values)}")
        return []
    if len(values) > MAX_FIGURES:
        c.fail(f"{path}figures", f"has {len(values)} items, at most {MAX_FIGURES}")
        return []
    figures = []
    for j, figure in enumerate(values):
        where = f"{path}figures[{j}]"
        if type(figure) is not dict:
            c.fail(where, f"must be an object, not {type_name(figure)}")
            continue
        value = c.text(figure, "value", where + ".", 20, required=True)
        label = c.text(figure, "label", where + ".", 80, required=True)
        if value and label:
            figures.append({"value": value, "label": label})
    return figures
