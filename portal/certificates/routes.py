"""The public verification of a certificate (/verificar/<code>): no sign-in, the code is the
key. It shows the certificate and the holder's name, nothing else about her. Rate-limited
per address; an unknown code takes the same path as a known one (one lookup, one page) and
answers 404 with no hint of what exists."""
from __future__ import annotations

from flask import Blueprint, Response

from portal import headers, htmx
from portal.certificates import qr, queries
from portal.certificates.services import clean_code
from portal.extensions import limiter
from portal.uploads import content_disposition

bp = Blueprint("certificates", __name__)

LIMIT = "60 per minute"


def _found(code: str):
    return queries.by_code(clean_code(code))


@bp.route("/verificar/<code>")
@limiter.limit(LIMIT)
def verify(code: str):
    """Anyone (an employer who scanned the QR) checks a certificate: vigente or revocado."""
    certificate = _found(code)
    return htmx.render("certificates/verify.html", status=200 if certificate else 404,
                       certificate=certificate)


@bp.route("/verificar/<code>/tarjeta")
@limiter.limit(LIMIT)
def card(code: str):
    """A printable card: the certificate and its QR code, to hand over or attach to a CV."""
    certificate = _found(code)
    return htmx.render("certificates/card.html", status=200 if certificate else 404,
                       certificate=certificate, url=qr.verification_url(certificate.code) if certificate else "")


@bp.route("/verificar/<code>/qr.<any(svg, png):kind>")
@limiter.limit(LIMIT)
def qr_code(code: str, kind: str):
    """The QR code of the verification link, as SVG (shown) or PNG (downloaded)."""
    certificate = _found(code)
    if certificate is None:
        return htmx.render("certificates/verify.html", status=404, certificate=None)
    if kind == "svg":
        response = Response(qr.svg(certificate.code), mimetype="image/svg+xml")
    else:
        response = Response(qr.png(certificate.code), mimetype="image/png")
        headers.put(response, "Content-Disposition",
                    content_disposition(f"QR-certificado-{certificate.code}.png", inline=False))
    # The state may change (revoked), the link never does; a day is cheap and safe.
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response
