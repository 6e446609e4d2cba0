"""`flask companies reencode-logos`: logos stored before uploads were re-encoded go through
the same re-encoding; what does not decode stops being served."""
from __future__ import annotations

import io

from PIL import Image
from sqlalchemy import select

from portal import uploads
from portal.extensions import db
from portal.models import AuditEvent, Company
from tests import factories
from tests.helpers.files import PNG, gps_exif, image

POLYGLOT = PNG[:16] + b"<!doctype html><script>alert(document.cookie)</script>"


def test_stored_logos_are_reencoded_and_a_disguised_one_is_removed(app, runner, client):
    photo, fake, gone = factories.company(), factories.company(), factories.company()
    photo.logo_path = old_photo = uploads.store_bytes(image("JPEG", (2000, 1000), exif=gps_exif()), "logos", "jpg")
    fake.logo_path = old_fake = uploads.store_bytes(POLYGLOT, "logos", "png")
    gone.logo_path = "logos/" + "0" * 32 + ".png"
    db.session.commit()
    assert client.get(f"/empresas/{fake.id}/logo").data == POLYGLOT  # what main served until now

    result = runner.invoke(args=["companies", "reencode-logos"])
    assert result.exit_code == 0, result.output
    assert "Logos recodificados: 1. Quitados por no ser una imagen PNG o JPG: 1. Archivos que faltaban: 1." in result.output

    db.session.expire_all()
    photo, fake = db.session.get(Company, photo.id), db.session.get(Company, fake.id)
    assert photo.logo_path != old_photo and uploads.read_stored(old_photo) is None
    served = client.get(f"/empresas/{photo.id}/logo")
    picture = Image.open(io.BytesIO(served.data))
    assert picture.size == (512, 256) and not picture.getexif() and b"CelularMarca" not in served.data
    assert fake.logo_path is None and uploads.read_stored(old_fake) is None
    assert client.get(f"/empresas/{fake.id}/logo").status_code == 404
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"company.logo_reencoded", "company.logo_removed"} <= actions
