"""A CETPRO's API tokens, for admins (/admin/cetpros/<id>/api/tokens): the same page as its
coordinators', for any CETPRO."""
from __future__ import annotations

from flask import url_for

from portal.access import one_or_404, role_required
from portal.admin import bp
from portal.apitokens import views
from portal.cetpros import queries


def _urls(cetpro_id: int) -> dict:
    return {
        "list": lambda: url_for("admin.api_tokens", cetpro_id=cetpro_id),
        "create": lambda: url_for("admin.create_api_token", cetpro_id=cetpro_id),
        "revoke": lambda token: url_for("admin.revoke_api_token", cetpro_id=cetpro_id, token_id=token.id),
    }


@bp.route("/cetpros/<int:cetpro_id>/api/tokens")
@role_required("admin")
def api_tokens(cetpro_id: int):
    """A CETPRO's tokens and the form to make one."""
    return views.page(one_or_404(queries.cetpro(cetpro_id)), _urls(cetpro_id))


@bp.route("/cetpros/<int:cetpro_id>/api/tokens", methods=["POST"])
@role_required("admin")
def create_api_token(cetpro_id: int):
    """Make a token for the CETPRO: its secret is shown in this answer only."""
    return views.create(one_or_404(queries.cetpro(cetpro_id)), _urls(cetpro_id))


@bp.route("/cetpros/<int:cetpro_id>/api/tokens/<int:token_id>/revocar", methods=["POST"])
@role_required("admin")
def revoke_api_token(cetpro_id: int, token_id: int):
    """Revoke one of the CETPRO's tokens."""
    return views.revoke(one_or_404(queries.cetpro(cetpro_id)), token_id, _urls(cetpro_id))
