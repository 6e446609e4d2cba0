"""Company verification for the coordinator (/coordinador/empresas): partners with a convenio
in force; shared views in portal/companies/views.py."""
from __future__ import annotations

from portal.access import role_required
from portal.companies import views
from portal.coordinators import bp


@bp.route("/empresas")
@role_required("coordinator")
def companies():
    """Companies with a convenio in force with the coordinator's CETPRO, by verification state."""
    return views.queue()


@bp.route("/empresas/<int:company_id>/<any(verificar, rechazar):action>", methods=["POST"])
@role_required("coordinator")
def decide_company(company_id: int, action: str):
    """Verify or reject a partner company, in place."""
    return views.decide(company_id, action)
