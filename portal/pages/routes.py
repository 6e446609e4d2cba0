"""The home page, the role dispatcher and the health check."""
from flask import Blueprint, jsonify, redirect, url_for
from flask_login import current_user, login_required
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from portal import htmx
from portal.extensions import db
from portal.openings import queries as openings

bp = Blueprint("pages", __name__)

DASHBOARDS = {
    "student": "students.dashboard",
    "employer": "employers.dashboard",
    "coordinator": "coordinators.dashboard",
    "admin": "admin.dashboard",
}


@bp.route("/")
def home():
    """Search box, latest openings and a door for each role."""
    return htmx.render("pages/home.html", latest=openings.latest(8), totals=openings.public_totals())


@bp.route("/panel")
@login_required
def dashboard():
    """Send each person to the dashboard of its role."""
    return redirect(url_for(DASHBOARDS[current_user.role]))


@bp.route("/salud")
def health():
    """JSON for load balancers: 200 when the database answers, 503 when it does not."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="error", database="unreachable"), 503
    return jsonify(status="ok", database="ok")
