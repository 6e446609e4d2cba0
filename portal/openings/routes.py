"""Public openings: the listing and the detail page."""
from flask import Blueprint, abort, request
from flask_login import current_user

from portal import htmx, places
from portal.access import company_of
from portal.openings import queries

bp = Blueprint("openings", __name__)


@bp.route("/ofertas")
def index():
    """Published openings, filtered by the query string (a shareable URL)."""
    filters = queries.Filters.from_args(request.args)
    page = queries.search(filters)
    return htmx.render(
        "openings/index.html",
        "openings/_results.html",
        page=page,
        filters=filters,
        families=queries.family_choices(),
        departments=places.departments(),
    )


@bp.route("/ofertas/<int:opening_id>")
def show(opening_id: int):
    """Everything a person needs to decide whether to apply."""
    company = company_of(current_user) if current_user.is_authenticated else None
    opening = queries.visible_opening(opening_id, company.id if company else None)
    if opening is None:
        abort(404)
    return htmx.render("openings/show.html", opening=opening,
                       days_left=queries.days_left(opening.deadline))
