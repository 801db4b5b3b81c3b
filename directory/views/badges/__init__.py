"""Embeddable badges and the review widget: images and an iframe that partner sites embed.

``blueprint`` keeps these routes cookie-less; ``images`` serves badges and tier icons (facts from
``directory.badge_facts``), ``widget`` the framable review widget.
"""

from . import images, widget  # noqa: F401 - their routes register on the blueprint
from .blueprint import bp

__all__ = ["bp"]
