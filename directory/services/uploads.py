"""Safe uploads: logos re-encoded from scratch, proofs checked by content; stored in the database.

A logo is accepted only if its bytes are PNG, JPEG or WebP (magic bytes and Pillow agree), at
most 5 MB; a decompression-bomb warning is a rejection. Its pixel count is checked from the
header before anything is decoded, against ``LOGO_MAX_PIXELS`` (decoded pixels cost memory: a
16-megapixel PNG of 88 KB takes about 180 MB to process); a JPEG is decoded at 1/2, 1/4 or 1/8
scale (``draft``) when that is enough. It is turned upright (EXIF), shrunk to what the variants
need, drawn onto a fresh image (dropping every metadata chunk) and re-encoded as square WebP
variants. Nothing is stored unless every step succeeded. SVG is never accepted.
"""

from __future__ import annotations

import hashlib
import io
import math
import warnings
from dataclasses import dataclass

from flask import current_app, has_app_context
from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import String, cast, delete, select

from ..db import db
from ..models import Agency, StoredFile, User
from ..urls import LOGO_SIZES
from .audit import record
from .concurrency import commit_retrying

MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 16_000_000  # in the header, for any image: beyond, not even a JPEG draft is tried
DEFAULT_MAX_DECODED_PIXELS = 2048 * 2048  # ``LOGO_MAX_PIXELS``: what is decoded into memory
IMAGE_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}

# Pillow's own bomb guard, at our limit: a larger image raises instead of decoding.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS


class UploadRejected(ValueError):
    """The file is refused; ``str()`` is a message for the user."""


@dataclass
class Sniffed:
    """What the bytes really are."""

    kind: str  # "PNG", "JPEG", "WEBP", "PDF"
    content_type: str


def sniff(data: bytes) -> Sniffed | None:
    """Identify PNG, JPEG, WebP and PDF by their magic bytes (never by name or client type)."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return Sniffed("PNG", "image/png")
    if data.startswith(b"\xff\xd8\xff"):
        return Sniffed("JPEG", "image/jpeg")
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return Sniffed("WEBP", "image/webp")
    if data.startswith(b"%PDF-"):
        return Sniffed("PDF", "application/pdf")
    return None


def read_upload(storage, max_bytes: int = MAX_BYTES) -> bytes:
    """The uploaded bytes, refusing an empty or oversized file without reading it all."""
    if getattr(storage, "stream", None) is None:  # None, or a text part under the file's name
        raise UploadRejected(_l("Choose a file."))
    data = storage.stream.read(max_bytes + 1)
    if not data:
        raise UploadRejected(_l("The file is empty."))
    if len(data) > max_bytes:
        raise UploadRejected(_l("The file is larger than 5 MB."))
    return data


def _refuse_type():
    return UploadRejected(
        _l(
            "This file type is not accepted: upload a PNG, JPEG or WebP image "
            "(SVG is not accepted)."
        )
    )


def max_decoded_pixels() -> int:
    """The pixel budget of one decoded image (``LOGO_MAX_PIXELS``)."""
    if has_app_context():
        return int(current_app.config.get("LOGO_MAX_PIXELS", DEFAULT_MAX_DECODED_PIXELS))
    return DEFAULT_MAX_DECODED_PIXELS


def _too_large(budget: int) -> UploadRejected:
    return UploadRejected(
        _l(
            "The image is too large: %(megapixels)s megapixels at most "
            "(for example %(side)s × %(side)s pixels).",
            megapixels=format_decimal(round(budget / 1e6, 1)),
            side=math.isqrt(budget),
        )
    )


def _draft_scale(width: int, height: int, budget: int, enough: int | None) -> int:
    """The JPEG scale (1, 2, 4 or 8) to decode at: within budget, no smaller than needed."""
    scale = 1
    while scale < 8 and width * height > budget * scale * scale:
        scale *= 2
    while enough and scale < 8 and max(width, height) >= enough * scale * 2:
        scale *= 2
    return scale


def decode_image(data: bytes, enough: int | None = None) -> Image.Image:
    """Decode an untrusted image within the pixel budget, upright; or raise ``UploadRejected``.

    ``enough``: the longest side the caller needs (twice that is kept for quality), letting a
    JPEG be decoded at a reduced scale.
    """
    sniffed = sniff(data)
    if sniffed is None or sniffed.kind == "PDF":
        raise _refuse_type()
    budget = max_decoded_pixels()
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            # Not a ``with`` block: closing the image would discard the pixels, and copying
            # them out would double the memory this is about.
            image = Image.open(io.BytesIO(data), formats=[sniffed.kind])
            if image.format != sniffed.kind:
                raise _refuse_type()
            width, height = image.size  # from the header: nothing decoded yet
            if width < 1 or height < 1 or width * height > MAX_PIXELS:
                raise _too_large(budget)
            scale = 1
            if sniffed.kind == "JPEG":
                scale = _draft_scale(width, height, budget, enough)
                if scale > 1:
                    image.draft(image.mode, (math.ceil(width / scale), math.ceil(height / scale)))
            if image.size[0] * image.size[1] > budget:
                raise _too_large(budget)
            if getattr(image, "n_frames", 1) > 1:
                image.seek(0)
            image.load()
            ImageOps.exif_transpose(image, in_place=True)
        except UploadRejected:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _too_large(budget) from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
            raise UploadRejected(_l("The image is damaged or incomplete.")) from None
    return image


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )


def _clean_copy(image: Image.Image) -> Image.Image:
    """The pixels only, on a fresh image: no EXIF, ICC, text chunks or trailing data."""
    mode = "RGBA" if _has_alpha(image) else "RGB"
    source = image.convert(mode)
    fresh = Image.new(mode, source.size, (255, 255, 255, 0) if mode == "RGBA" else (255, 255, 255))
    fresh.paste(source, (0, 0))
    return fresh


def _square(image: Image.Image, size: int) -> Image.Image:
    """Fit inside a ``size`` square, centred on a transparent background."""
    fitted = ImageOps.contain(image, (size, size), Image.Resampling.LANCZOS)
    canvas = Image.new("RGBA", (size, size), (255, 255, 255, 0))
    canvas.paste(fitted.convert("RGBA"), ((size - fitted.width) // 2, (size - fitted.height) // 2))
    return canvas


def _encode_webp(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "WEBP", quality=90, method=4)
    return out.getvalue()


def _store(data: bytes, content_type: str, purpose: str) -> StoredFile:
    digest = hashlib.sha256(data).hexdigest()
    existing = db.session.scalar(
        select(StoredFile).where(
            StoredFile.sha256 == digest,
            StoredFile.purpose == purpose,
            StoredFile.content_type == content_type,
        )
    )
    if existing is not None:
        return existing
    stored = StoredFile(
        sha256=digest, content_type=content_type, purpose=purpose, size=len(data), data=data
    )
    db.session.add(stored)
    db.session.flush()
    return stored


def file_name(stored: StoredFile) -> str:
    """The public, content-hashed name of a stored file: ``<id>-<hash16>.<ext>``."""
    return f"{stored.id}-{stored.sha256[:16]}.{stored.extension}"


def make_logo_variants(data: bytes) -> dict[int, bytes]:
    """WebP squares of every logo size from untrusted bytes (pure: nothing stored)."""
    largest = max(LOGO_SIZES)
    image = decode_image(data, enough=largest)
    if image.mode not in ("RGB", "RGBA", "L", "LA"):  # palette images resize by nearest only
        image = image.convert("RGBA" if _has_alpha(image) else "RGB")
    # Twice the largest variant is plenty for LANCZOS; shrinking before the clean copy keeps
    # a single full-size image in memory.
    image.thumbnail((2 * largest, 2 * largest), Image.Resampling.LANCZOS)
    clean = _clean_copy(image)
    return {size: _encode_webp(_square(clean, size)) for size in LOGO_SIZES}


def save_logo(agency: Agency, user: User, storage) -> dict[str, str]:
    """Check, re-encode and store an uploaded logo and point the agency at it."""
    variants = make_logo_variants(read_upload(storage))

    def apply() -> dict[str, str]:
        # Inside the retried unit: a lost race rolls back the stored files with the pointer.
        names = {
            str(size): file_name(_store(blob, "image/webp", "logo"))
            for size, blob in variants.items()
        }
        before = agency.logo
        agency.logo = names
        record(
            "profile.logo_changed",
            actor=user,
            agency_id=agency.id,
            target=f"agency:{agency.slug}",
            before={"logo": before},
            after={"logo": names},
        )
        _drop_unused_logo_files(before, keep=names)
        return names

    # The newest upload wins, as if the two had come one after the other (agency ``version``).
    return commit_retrying(apply)


def remove_logo(agency: Agency, user: User) -> None:
    """Go back to the monogram."""

    def apply() -> None:
        before = agency.logo
        agency.logo = None
        record(
            "profile.logo_removed",
            actor=user,
            agency_id=agency.id,
            target=f"agency:{agency.slug}",
            before={"logo": before},
        )
        _drop_unused_logo_files(before)

    commit_retrying(apply)


def _drop_unused_logo_files(old: dict[str, str] | None, keep: dict[str, str] | None = None) -> None:
    """Delete a replaced logo's files unless another agency uses the same bytes (caller commits).

    Identical logos share rows (content-addressed), hence the reference check. Old URLs then
    answer 404; they were only ever linked from pages that now show the new logo.
    """
    if not old:
        return
    db.session.flush()
    for name in set(old.values()) - set((keep or {}).values()):
        still_used = db.session.scalar(
            select(Agency.id).where(cast(Agency.logo, String).contains(name)).limit(1)
        )
        if still_used is None:
            file_id = int(name.split("-", 1)[0])
            db.session.execute(
                delete(StoredFile).where(StoredFile.id == file_id, StoredFile.purpose == "logo")
            )


def check_proof(data: bytes) -> tuple[bytes, str]:
    """A certification proof: a PDF (by magic bytes) kept as is, or an image re-encoded."""
    sniffed = sniff(data)
    if sniffed is not None and sniffed.kind == "PDF":
        if b"%%EOF" not in data[-2048:]:
            raise UploadRejected(_l("The PDF is damaged or incomplete."))
        return data, "application/pdf"
    if sniffed is None:
        raise UploadRejected(
            _l("This file type is not accepted: upload a PDF, PNG, JPEG or WebP file.")
        )
    clean = _clean_copy(decode_image(data))
    out = io.BytesIO()
    clean.save(out, "PNG", optimize=True)
    return out.getvalue(), "image/png"


def store_proof(storage) -> StoredFile:
    """Check and store a proof file (caller commits)."""
    data, content_type = check_proof(read_upload(storage))
    return _store(data, content_type, "proof")
