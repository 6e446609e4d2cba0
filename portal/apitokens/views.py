"""The tokens page, shared by a CETPRO's coordinators (/coordinador/api/tokens) and admins
(/admin/cetpros/<id>/api/tokens): list, make (the secret shown once, in the answer to the
POST itself: never redirected through the session, never stored), revoke."""
from __future__ import annotations

from collections.abc import Callable

from flask import abort
from flask_login import current_user

from portal import htmx, vocab
from portal.apitokens import queries, services
from portal.apitokens.forms import TokenForm
from portal.clock import utcnow
from portal.forms import attach_errors
from portal.models import Cetpro


def _context(cetpro: Cetpro, urls: dict[str, Callable], form: TokenForm | None = None, **extra) -> dict:
    now = utcnow()
    tokens = queries.of_cetpro(cetpro.id)
    return {"cetpro": cetpro, "tokens": tokens, "states": {t.id: services.state(t, now) for t in tokens},
            "form": form or TokenForm(formdata=None), "scopes": vocab.API_SCOPES, "urls": urls,
            "secret": None, "created": None, **extra}


def page(cetpro: Cetpro, urls: dict[str, Callable]):
    return htmx.render("apitokens/index.html", "apitokens/_section.html", **_context(cetpro, urls))


def create(cetpro: Cetpro, urls: dict[str, Callable]):
    form = TokenForm()
    if form.validate_on_submit():
        data = services.TokenData(name=form.name.data or "", scopes=list(form.scopes.data or []),
                                  days=form.days.data or 0)
        try:
            token, secret = services.create(cetpro, current_user, data)
        except services.TokenError as error:
            attach_errors(form, error.errors, str(error))
        else:
            # 201 with the secret in this answer only; no-store keeps it out of every cache.
            response = htmx.render("apitokens/index.html", "apitokens/_section.html", status=201,
                                   **_context(cetpro, urls, secret=secret, created=token))
            response.headers["Cache-Control"] = "no-store"
            return response
    return htmx.render("apitokens/index.html", "apitokens/_section.html", status=422,
                       **_context(cetpro, urls, form))


def revoke(cetpro: Cetpro, token_id: int, urls: dict[str, Callable]):
    token = queries.token_of(cetpro.id, token_id)
    if token is None:
        abort(404)
    revoked = services.revoke(token, current_user)
    message = (f"Revocamos el token «{token.name}» ({token.prefix}…): desde ahora la API lo rechaza."
               if revoked else f"El token «{token.name}» ya estaba revocado.")
    return htmx.done(urls["list"](), "apitokens/_section.html", message=message,
                     **_context(cetpro, urls))



