"""The public verification of a certificate (/verificar/<code>): no sign-in, the code is the
key. It shows the certificate and the holder's name, nothing else about her. Rate-limited
per address; an unknown code takes the same path as a known one (one lookup, one page) and
answers 404 with no hint of what exists."""
from __future__ import annotations

import json

from flask import Blueprint, Response, abort

from portal import headers, htmx
from portal.certificates import credentials, qr, queries
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


# --- The certificate as a signed credential, and what a verifier needs to check it offline ---
# (portal/certificates/credentials.py; docs/CREDENTIALS.md). Public, rate-limited as above.


def _public_document(body: str, mimetype: str, max_age: int) -> Response:
    response = Response(body, mimetype=mimetype)
    headers.put(response, "Cache-Control", f"public, max-age={max_age}")
    # Any verifier may fetch it, from a browser on another site too (nothing personal in it).
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.route("/verificar/<code>/credencial.jwt")
@limiter.limit(LIMIT)
def credential(code: str):
    """The certificate as an Open Badges 3.0 Verifiable Credential, signed (VC-JWT). Only a
    certificate in force is signed; a revoked one answers 410 with its verification page."""
    certificate = _found(code)
    if certificate is None or not certificate.in_force:
        return htmx.render("certificates/verify.html", status=410 if certificate else 404, certificate=certificate)
    response = Response(credentials.issue(certificate), mimetype=credentials.MEDIA_TYPE)
    headers.put(response, "Content-Disposition",
                content_disposition(f"certificado-{certificate.code}.jwt", inline=False))
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/.well-known/jwks.json")
@limiter.limit(LIMIT)
def jwks():
    """The issuer's public keys (JWK Set): the current one and every earlier one still trusted."""
    return _public_document(json.dumps(credentials.jwks()), "application/jwk-set+json", 3600)


@bp.route("/.well-known/did.json")
@limiter.limit(LIMIT)
def did_document():
    """The issuer's did:web document: the same keys, as DID verification methods."""
    return _public_document(json.dumps(credentials.did_document()), "application/did+json", 3600)


@bp.route("/credenciales/estado/<int:number>")
@limiter.limit(LIMIT)
def status_list(number: int):
    """A signed Bitstring Status List: bit i is 1 when the certificate with status index i is
    no longer confirmed (revoked). Cached a minute: a revocation shows within one."""
    token = credentials.status_list(number)
    if token is None:
        abort(404)
    return _public_document(token, credentials.MEDIA_TYPE, 60)
