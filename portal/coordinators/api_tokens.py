"""The coordinator's API tokens (/coordinador/api/tokens): those of her own CETPRO only."""
from __future__ import annotations

from flask import url_for

from portal.access import current_cetpro, role_required
from portal.apitokens import views
from portal.coordinators import bp

URLS = {
    "list": lambda: url_for("coordinators.api_tokens"),
    "create": lambda: url_for("coordinators.create_api_token"),
    "revoke": lambda token: url_for("coordinators.revoke_api_token", token_id=token.id),
}


@bp.route("/api/tokens")
@role_required("coordinator")
def api_tokens():
    """The CETPRO's tokens and the form to make one."""
    return views.page(current_cetpro(), URLS)


@bp.route("/api/tokens", methods=["POST"])
@role_required("coordinator")
def create_api_token():
    """Make a token: its secret is shown in this answer only."""
    return views.create(current_cetpro(), URLS)


@bp.route("/api/tokens/<int:token_id>/revocar", methods=["POST"])
@role_required("coordinator")
def revoke_api_token(token_id: int):
    """Revoke one of the CETPRO's tokens (another CETPRO's: 404)."""
    return views.revoke(current_cetpro(), token_id, URLS)
