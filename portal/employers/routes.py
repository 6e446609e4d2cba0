"""The employer's pages."""
from flask import Blueprint
from flask_login import current_user

from portal import htmx
from portal.access import company_of, role_required
from portal.employers import queries

bp = Blueprint("employers", __name__, url_prefix="/empresa")


@bp.route("")
@role_required("employer")
def dashboard():
    """The company's openings and applicants at a glance."""
    company = company_of(current_user)
    if company is None:
        return htmx.render("employers/pending.html", membership=queries.pending_membership(current_user))
    return htmx.render(
        "employers/dashboard.html",
        company=company,
        openings=queries.opening_counts(company),
        applications=queries.application_counts(company),
        recent=queries.recent_openings(company),
    )
