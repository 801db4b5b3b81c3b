"""Safe uploads: logos re-encoded from scratch, proofs checked by content; stored in the database.

A logo is accepted only if its bytes are PNG, JPEG or WebP (magic bytes and Pillow agree), at
most 5 MB and 16 megapixels (checked from the header, before decoding); a decompression-bomb
warning is a rejection. It is decoded fully, turned upright (EXIF), drawn onto a fresh image
(dropping every metadata chunk) and re-encoded as square WebP variants. Nothing is stored
unless every step succeeded. SVG is never accepted.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import String, cast, delete, select
from werkzeug.datastructures import FileStorage

from ..db import db
from ..models import Agency, StoredFile, User
from ..urls import LOGO_SIZES
from .audit import record

MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 16_000_000
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
    if not isinstance(storage, FileStorage):  # None, or a text part under the file's name
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


def decode_image(data: bytes) -> Image.Image:
    """Decode an untrusted image fully, within limits, upright; or raise ``UploadRejected``."""
    sniffed = sniff(data)
    if sniffed is None or sniffed.kind == "PDF":
        raise _refuse_type()
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data), formats=[sniffed.kind]) as probe:
                if probe.format != sniffed.kind:
                    raise _refuse_type()
                width, height = probe.size  # from the header: nothing decoded yet
                if width < 1 or height < 1 or width * height > MAX_PIXELS:
                    raise UploadRejected(_l("The image is too large (16 megapixels at most)."))
                if getattr(probe, "n_frames", 1) > 1:
                    probe.seek(0)
                probe.load()
                image = ImageOps.exif_transpose(probe)
                image.load()
        except UploadRejected:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise UploadRejected(_l("The image is too large (16 megapixels at most).")) from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
            raise UploadRejected(_l("The image is damaged or incomplete.")) from None
    return image


def _clean_copy(image: Image.Image) -> Image.Image:
    """The pixels only, on a fresh image: no EXIF, ICC, text chunks or trailing data."""
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )
    mode = "RGBA" if has_alpha else "RGB"
    source = image.convert(mode)
    fresh = Image.new(mode, source.size, (255, 255, 255, 0) if has_alpha else (255, 255, 255))
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
    clean = _clean_copy(decode_image(data))
    return {size: _encode_webp(_square(clean, size)) for size in LOGO_SIZES}


def save_logo(agency: Agency, user: User, storage) -> dict[str, str]:
    """Check, re-encode and store an uploaded logo and point the agency at it."""
    variants = make_logo_variants(read_upload(storage))
    names = {
        str(size): file_name(_store(blob, "image/webp", "logo")) for size, blob in variants.items()
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
    db.session.commit()
    return names


def remove_logo(agency: Agency, user: User) -> None:
    """Go back to the monogram."""
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
    db.session.commit()


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
