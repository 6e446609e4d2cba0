"""View code the student's own pages and the shared /cv/<id> both use: the generated CV as
a PDF response (plain functions; the routes check who may see it first)."""
from __future__ import annotations

from flask import Response, request

from portal import headers
from portal.models import StudentProfile
from portal.profiles import generated_cv
from portal.uploads import PDF_CSP, PDF_MIMETYPE, content_disposition


def generated_cv_response(profile: StudentProfile, download_name: str) -> Response:
    """The generated CV's PDF, or 304 when the browser holds this very content (its ETag is
    the digest of what the PDF draws, known before drawing it). Private: it may be kept by
    the browser, revalidated on every use, and by no shared cache."""
    key, document = generated_cv.drawn(generated_cv.build(profile))
    if request.if_none_match.contains(key):
        response = Response(status=304)
    else:
        response = Response(generated_cv.pdf_of(key, document), mimetype=PDF_MIMETYPE)
        headers.put(response, "Content-Disposition", content_disposition(download_name, inline=True))
        response.headers["Content-Security-Policy"] = PDF_CSP
        response.headers["X-Frame-Options"] = "SAMEORIGIN"
    response.set_etag(key)
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
