"""Test data: listed agencies, reviews, accounts and team memberships with sensible defaults."""

from __future__ import annotations

import datetime as dt
import itertools

from sqlalchemy import func, select

from directory.db import db, today, utcnow
from directory.models import Agency, Certification, Membership, Office, Review, User
from directory.passwords import hash_password

_seq = itertools.count(1)

PASSWORD = "correct horse battery staple"


class Factory:
    """Create rows with defaults; every keyword overrides one field."""

    def agency(
        self,
        *,
        listed: bool = True,
        offices: list[dict] | None = None,
        certified_until: dt.date | None = None,
        commit: bool = True,
        **fields,
    ) -> Agency:
        """A published agency with a verified certification (unless ``listed=False``)."""
        n = next(_seq)
        services = fields.pop("services", ["seo"])
        industries = fields.pop("industries", [])
        languages = fields.pop("languages", ["en"])
        products = fields.pop("products", [])
        client_sizes = fields.pop("client_sizes", [])
        accreditations = fields.pop("accreditations", [])
        defaults = {
            "name": f"Agency {n}",
            "slug": f"agency-{n}",
            "program": "provider",
            "status": "published",
            "tagline": "We grow companies",
            "description": "An agency.",
        }
        defaults.update(fields)
        agency = Agency(**defaults)
        agency.services = services
        agency.industries = industries
        agency.languages = languages
        agency.products = products
        agency.client_sizes = client_sizes
        agency.accreditations = accreditations
        for position, office in enumerate(offices or [{"country": "FR", "city": "Paris"}]):
            agency.offices.append(
                Office(
                    position=position,
                    is_headquarters=office.pop("headquarters", position == 0),
                    **office,
                )
            )
        expires = certified_until or (today() + dt.timedelta(days=365))
        agency.certifications.append(
            Certification(
                certificate_id=f"CERT-{n}",
                issued_on=expires - dt.timedelta(days=730),
                expires_on=expires,
                status="verified" if listed else "pending",
                verified_by_label="import" if listed else None,
            )
        )
        db.session.add(agency)
        if commit:
            db.session.commit()
        return agency

    def review(self, agency: Agency, *, commit: bool = True, **fields) -> Review:
        """An approved review of ``agency``."""
        n = next(_seq)
        defaults = {
            "author_name": f"Reviewer {n}",
            "author_email": f"reviewer{n}@example.com",
            "rating": 5,
            "title": "Great work",
            "body": "They did a great job.",
            "source": "email",
            "status": "approved",
            "submitted_on": today(),
        }
        defaults.update(fields)
        review = Review(agency=agency, **defaults)
        db.session.add(review)
        if commit:
            db.session.commit()
        return review


def make_user(
    email: str | None = None,
    *,
    verified: bool = True,
    admin: bool = False,
    password: str = PASSWORD,
    **fields,
) -> User:
    """A user with a password (verified unless told otherwise)."""
    user = User(
        email=email or f"user{next(_seq)}@example.com",
        password_hash=hash_password(password),
        is_admin=admin,
        email_verified_at=utcnow() if verified else None,
        **fields,
    )
    db.session.add(user)
    db.session.commit()
    return user


def add_member(user: User, agency: Agency, role: str = "manager") -> User:
    """Put ``user`` in the agency's team."""
    db.session.add(Membership(user_id=user.id, agency_id=agency.id, role=role))
    db.session.commit()
    return user


def count_rows(model) -> int:
    """How many rows ``model``'s table holds."""
    return db.session.scalar(select(func.count()).select_from(model))
