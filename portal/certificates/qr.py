"""A certificate's QR code: its absolute /verificar link, as SVG (pages, the printable card)
or PNG (to paste in a document). Made by segno, pure Python; nothing is stored."""
from __future__ import annotations

import io

import segno

from portal import links


def verification_url(code: str) -> str:
    """The link the QR carries: BASE_URL, never the Host header of whoever asked."""
    return links.external("certificates.verify", code=code)


def svg(code: str) -> bytes:
    out = io.BytesIO()
    segno.make(verification_url(code), error="m").save(
        out, kind="svg", scale=4, border=2, xmldecl=False, title="Código QR de verificación del certificado")
    return out.getvalue()


def png(code: str, scale: int = 8) -> bytes:
    """`scale` pixels a module; the generated CV embeds scale 1 and scales it without smoothing."""
    out = io.BytesIO()
    segno.make(verification_url(code), error="m").save(out, kind="png", scale=scale, border=2)
    return out.getvalue()
