"""Test data the shared factories lack: convenios, and tiny PNG/JPEG files."""
from __future__ import annotations

from datetime import date, timedelta

from portal import clock
from portal.extensions import db
from portal.models import Cetpro, Company, Convenio

# The smallest valid PNG (1×1, transparent) and the start of a JPEG.
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
       b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64 + b"\xff\xd9"


def add_convenio(cetpro: Cetpro, company: Company, state: str = "active",
                 start: date | None = None, end: date | None = None, open_ended: bool = False,
                 kind: str = "practicas") -> Convenio:
    today = clock.today()
    row = Convenio(cetpro_id=cetpro.id, company_id=company.id, kind=kind, state=state, proposed_by="cetpro",
                   start_date=start or today - timedelta(days=30),
                   end_date=None if open_ended else (end or today + timedelta(days=335)))
    db.session.add(row)
    db.session.commit()
    return row
