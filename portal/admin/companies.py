"""Company verification across the platform (/admin/empresas); shared views in
portal/companies/views.py."""
from __future__ import annotations

from portal.access import role_required
from portal.admin import bp
from portal.companies import views


@bp.route("/empresas")
@role_required("admin")
def companies():
    """Every company, by verification state, searchable by RUC or name."""
    return views.queue()


@bp.route("/empresas/<int:company_id>/<any(verificar, rechazar):action>", methods=["POST"])
@role_required("admin")
def decide_company(company_id: int, action: str):
    """Verify or reject any company, in place."""
    return views.decide(company_id, action)
