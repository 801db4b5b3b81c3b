"""Logo and proof uploads: only real PNG/JPEG/WebP (and PDF proofs), re-encoded, in the database."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image, ImageFile

from directory.db import db
from directory.models import Agency, StoredFile
from directory.services import uploads
from tests.support.factories import add_member, make_user
from tests.support.web import RequestScopedClient, csrf_token, login_as

pytestmark = pytest.mark.usefixtures("request_scoped_clients")


def png(size=(300, 200), color=(200, 30, 30), **save) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG", **save)
    return out.getvalue()


def jpeg_rotated() -> bytes:
    """A 300×100 JPEG whose EXIF says "rotate 90°", with a GPS-like comment to be dropped."""
    image = Image.new("RGB", (300, 100), (0, 0, 255))
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90 CW
    exif[0x010E] = "secret description"
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, comment=b"private comment")
    return out.getvalue()


def webp() -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (64, 64), (0, 255, 0, 128)).save(out, "WEBP")
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bomb(width=100_000, height=100_000) -> bytes:
    """A tiny PNG whose header declares a gigantic image."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return (
        b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")
    )


SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>'
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

HOSTILE = {
    "decompression bomb": (png_bomb(), "too large"),
    "pixel flood (25 MP)": (png((5000, 5000), optimize=True), "too large"),
    "SVG with script": (SVG, "not accepted"),
    "HTML polyglot": (b"<!doctype html><script>alert(1)</script>" + png(), "not accepted"),
    "PNG magic then HTML": (b"\x89PNG\r\n\x1a\n<html><script>alert(1)</script></html>", "damaged"),
    "truncated PNG": (png((400, 400), color=(1, 2, 3))[:200], "damaged"),
    "PDF renamed .png": (PDF, "not accepted"),
    "GIF": (b"GIF89a" + b"\x00" * 40, "not accepted"),
    "empty": (b"", "empty"),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_logo_uploads_are_refused_and_nothing_stored(app, factory, name):
    data, message = HOSTILE[name]
    agency = factory.agency(slug="acme")
    user = make_user("m@example.com")
    add_member(user, agency)
    client = login_as(app, user)
    path = "/en/dashboard/agencies/acme/logo"
    response = client.post(
        path,
        data={"csrf_token": csrf_token(client, path), "logo": (io.BytesIO(data), "logo.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422, name
    assert message in response.get_data(as_text=True), name
    assert db.session.query(StoredFile).count() == 0
    db.session.expire_all()
    assert db.session.get(Agency, agency.id).logo is None


def test_oversized_upload_is_refused():
    class Storage:
        stream = io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"\x00" * (5 * 1024 * 1024 + 10))

    with pytest.raises(uploads.UploadRejected, match="larger than 5 MB"):
        uploads.read_upload(Storage())


@pytest.mark.parametrize("maker", [png, jpeg_rotated, webp])
def test_valid_logo_is_reencoded_without_metadata(app, factory, maker):
    agency = factory.agency(slug="acme")
    user = make_user("m@example.com")
    add_member(user, agency)
    client = login_as(app, user)
    path = "/en/dashboard/agencies/acme/logo"
    response = client.post(
        path,
        data={"csrf_token": csrf_token(client, path), "logo": (io.BytesIO(maker()), "x.jpg")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    db.session.expire_all()
    agency = db.session.get(Agency, agency.id)
    assert set(agency.logo) == {"64", "128", "256"}
    with app.test_request_context():
        url64 = agency.logo_url(64)
        assert agency.logo_url == agency.logo_url(128) != url64
    served = client.get(url64)
    assert served.status_code == 200
    assert served.headers["Content-Type"] == "image/webp"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert "immutable" in served.headers["Cache-Control"]
    assert "max-age=31536000" in served.headers["Cache-Control"]
    image = Image.open(io.BytesIO(served.data))
    assert image.format == "WEBP" and image.size == (64, 64)
    assert not image.getexif() and "comment" not in image.info and "icc_profile" not in image.info
    assert b"secret" not in served.data and b"private" not in served.data
    assert client.get(url64, headers={"If-None-Match": served.headers["ETag"]}).status_code == 304
    # The public profile (another engineer's template) shows it.
    assert agency.logo["128"] in client.get("/en/agencies/acme").get_data(as_text=True)


def test_exif_orientation_is_applied():
    variants = uploads.make_logo_variants(jpeg_rotated())
    image = Image.open(io.BytesIO(variants[256])).convert("RGBA")
    # 300×100 rotated is 100×300: tall, so the left and right margins are transparent.
    assert image.getpixel((5, 128))[3] == 0
    assert image.getpixel((128, 5))[3] > 0


def test_files_route_rejects_wrong_hash_and_private_files(app, client):
    with app.test_request_context():
        proof = uploads._store(PDF, "application/pdf", "proof")
        logo = uploads._store(webp(), "image/webp", "logo")
        db.session.commit()
        good = uploads.file_name(logo)
    assert client.get(f"/files/{good}").status_code == 200
    assert client.get(f"/files/{logo.id}-{'0' * 16}.webp").status_code == 404
    assert client.get(f"/files/{uploads.file_name(proof)}").status_code == 404
    assert client.get(f"/files/{logo.id}-{logo.sha256[:16]}.png").status_code == 404


def test_proof_checks():
    data, kind = uploads.check_proof(PDF)
    assert kind == "application/pdf"
    with pytest.raises(uploads.UploadRejected):
        uploads.check_proof(b"%PDF-1.4 truncated")
    with pytest.raises(uploads.UploadRejected):
        uploads.check_proof(SVG)
    data, kind = uploads.check_proof(jpeg_rotated())
    assert kind == "image/png" and b"secret" not in data


def test_replaced_logo_files_are_deleted_unless_shared(app, factory):
    one, two = factory.agency(slug="one"), factory.agency(slug="two")
    user = make_user("m@example.com")

    class Upload:
        def __init__(self, data):
            self.stream = io.BytesIO(data)

    with app.test_request_context():
        uploads.save_logo(one, user, Upload(png(color=(1, 1, 1))))
        uploads.save_logo(two, user, Upload(png(color=(1, 1, 1))))  # same bytes: shared rows
        assert db.session.query(StoredFile).count() == 3
        uploads.save_logo(one, user, Upload(png(color=(9, 9, 9))))
        assert db.session.query(StoredFile).count() == 6  # "two" still uses the first set
        uploads.remove_logo(two, user)
        assert db.session.query(StoredFile).count() == 3
        assert set(one.logo.values()) == {
            uploads.file_name(f) for f in db.session.query(StoredFile)
        }


# -- memory: the pixel budget, JPEG drafts, per-account limits, the 5 MB message -----------


def jpeg(size, color=(10, 120, 200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG", quality=85)
    return out.getvalue()


def test_a_png_over_the_pixel_budget_is_refused_from_its_header(app, monkeypatch):
    data = png((3000, 3000), optimize=True)  # 9 MP in 20 KB
    decoded = []
    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda self: decoded.append(self))
    with pytest.raises(uploads.UploadRejected, match=r"too large: 4\.2 megapixels at most"):
        uploads.decode_image(data)
    assert not decoded


def test_the_pixel_budget_is_a_setting(app):
    app.config["LOGO_MAX_PIXELS"] = 100 * 100
    with pytest.raises(uploads.UploadRejected, match="100 × 100 pixels"):
        uploads.make_logo_variants(png((200, 200)))
    assert set(uploads.make_logo_variants(png((100, 100)))) == {64, 128, 256}


def test_a_large_jpeg_is_decoded_at_a_reduced_scale(app):
    image = uploads.decode_image(jpeg((4000, 3000)), enough=256)
    assert image.size == (500, 375)  # 1/8: still twice the largest variant
    assert uploads.decode_image(jpeg((4000, 3000))).size == (2000, 1500)  # 1/2: in budget
    variants = uploads.make_logo_variants(jpeg((4000, 3000)))
    assert Image.open(io.BytesIO(variants[256])).size == (256, 256)


RSS_SCRIPT = """
import io, resource, sys
from PIL import Image
from directory.services import uploads
out = io.BytesIO()
Image.new("RGB", (4000, 4000), (200, 30, 30)).save(out, sys.argv[1])
data = out.getvalue()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    uploads.make_logo_variants(data)
except uploads.UploadRejected:
    pass
print((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) // 1024)
"""


@pytest.mark.parametrize("kind", ["PNG", "JPEG"])
def test_a_16_megapixel_upload_costs_little_memory(kind):
    """Measured in a fresh process: about 180 MB each before the budget and the drafts."""
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-c", RSS_SCRIPT, kind], capture_output=True, text=True, check=True
    )
    assert int(result.stdout.strip()) < 40, result.stdout


def _member_client(app, factory):
    agency = factory.agency(slug="acme")
    user = add_member(make_user(), agency)
    return login_as(app, user)


def _multipart(token: str, field: str, data: bytes) -> dict:
    """A ready-made body (the test client would spool a big one to a temporary file)."""
    body = (
        b'--B\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
        + token.encode()
        + f'\r\n--B\r\nContent-Disposition: form-data; name="{field}"; filename="f.png"'.encode()
        + b"\r\nContent-Type: image/png\r\n\r\n"
        + data
        + b"\r\n--B--\r\n"
    )
    return {"data": body, "content_type": "multipart/form-data; boundary=B"}


def test_an_upload_over_5_mb_gets_the_form_with_a_message(app, factory):
    client = _member_client(app, factory)
    big = b"\x89PNG\r\n\x1a\n" + b"\x00" * (7 * 1024 * 1024)
    for path, field in (
        ("/en/dashboard/agencies/acme/logo", "logo"),
        ("/en/dashboard/agencies/acme/certifications", "proof"),
    ):
        response = client.post(path, **_multipart(csrf_token(client, path), field, big))
        assert response.status_code == 413, path
        page = response.get_data(as_text=True)
        assert "The file is larger than 5 MB." in page, path
        assert 'type="file"' in page and f'name="{field}"' in page  # the form, to try again
    anonymous = app.test_client().post(
        "/en/dashboard/agencies/acme/logo", **_multipart("x", "logo", big)
    )
    assert anonymous.status_code == 413  # the plain page: the form is for members only
    assert "The file is larger than 5 MB." not in anonymous.get_data(as_text=True)


def test_uploads_are_rate_limited_per_account(limited_app, factory):
    limited_app.config["UPLOAD_RATE_LIMIT"] = "2 per hour"
    limited_app.test_client_class = RequestScopedClient
    agency = factory.agency(slug="acme")
    first, second = add_member(make_user(), agency), add_member(make_user(), agency)
    path = "/en/dashboard/agencies/acme/logo"

    def upload(client):
        data = {"csrf_token": csrf_token(client, path), "logo": (io.BytesIO(png()), "l.png")}
        return client.post(path, data=data, content_type="multipart/form-data").status_code

    client = login_as(limited_app, first)
    assert [upload(client), upload(client), upload(client)] == [302, 302, 429]
    assert upload(login_as(limited_app, second)) == 302  # the other account is not affected
