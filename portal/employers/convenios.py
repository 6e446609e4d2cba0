"""The employer's convenios (/empresa/convenios): the company's list, a proposal to a CETPRO,
answers and the signed PDF; shared views in portal/convenios/views.py."""
from __future__ import annotations

from flask_login import current_user

from portal import htmx
from portal.access import current_company, role_required
from portal.convenios import services, views
from portal.employers import bp
from portal.extensions import db
from portal.models import Cetpro


@bp.route("/convenios")
@role_required("employer")
def convenios():
    """The company's convenios with CETPROs and a proposal form."""
    company = current_company()
    return htmx.render("convenios/index.html", "convenios/_list.html",
                       **views.context("company", views.company_form(fresh=True), company))


@bp.route("/convenios", methods=["POST"])
@role_required("employer")
def propose_convenio():
    """The company proposes a convenio to a CETPRO."""
    company = current_company()
    form = views.company_form()
    if form.validate_on_submit():
        cetpro = db.session.get(Cetpro, form.cetpro_id.data) if form.cetpro_id.data else None
        try:
            convenio, created = services.propose(current_user, "company", cetpro, company, views.data(form), form.pdf.data)
        except services.ConvenioError as error:
            views.apply_errors(form, error)
        else:
            return views.proposed("company", company, convenio, created, views.company_form(fresh=True))
    return htmx.render("convenios/index.html", "convenios/_form.html", status=422,
                       **views.context("company", form, company))


@bp.route("/convenios/<int:convenio_id>/<any(aceptar, rechazar):action>", methods=["POST"])
@role_required("employer")
def decide_convenio(convenio_id: int, action: str):
    """Accept or decline a CETPRO's proposal, in place."""
    return views.decide("company", convenio_id, action, current_company())


@bp.route("/convenios/<int:convenio_id>/pdf", methods=["POST"])
@role_required("employer")
def convenio_pdf(convenio_id: int):
    """Upload or replace the signed PDF."""
    current_company()
    return views.upload("company", convenio_id)
