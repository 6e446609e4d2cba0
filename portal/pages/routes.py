"""The home page, the role dispatcher, the health check, robots.txt and the sitemap, and
development's mailbox."""
from ipaddress import ip_address

from flask import Blueprint, Response, abort, current_app, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from portal import clock, config, htmx, mail, places
from portal import health as portal_health
from portal.openings import fragments, listing
from portal.openings import queries as openings
from portal.pages import crawlers

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


CRAWLER_MAX_AGE = 3600


@bp.route("/robots.txt")
def robots():
    """Public pages open to crawlers, private areas closed, and where the sitemap is."""
    response = Response(crawlers.robots_txt(), mimetype="text/plain")
    response.cache_control.public = True
    response.cache_control.max_age = CRAWLER_MAX_AGE
    return response


@bp.route("/sitemap.xml")
def sitemap():
    """Every open opening with its last change, and the public pages (sitemaps.org); past
    one file's limit, an index of parts (`?parte=2`)."""
    part = request.args.get("parte", type=int)
    if part is not None and part < 1:
        abort(404)
    # Made once per version of the open openings (data version and Lima date), as the
    # listing's fragments are: exact, since every write to a listed opening moves it.
    version = listing.open_openings(clock.today()).version
    response = fragments.answer(version, ("sitemap.xml", part), lambda: _sitemap(part))
    response.cache_control.public = True
    response.cache_control.max_age = CRAWLER_MAX_AGE
    return response


def _sitemap(part: int | None) -> Response:
    entries = openings.sitemap_openings()
    parts = crawlers.sitemap_parts(entries)
    newest = max((changed for _, changed in entries), default=None)
    if part is None and len(parts) > 1:
        body = render_template("pages/sitemap_index.xml",
                               parts=[max(changed for _, changed in p) for p in parts])
    elif (part or 1) <= len(parts):
        part = part or 1
        body = render_template("pages/sitemap.xml", entries=parts[part - 1], newest=newest, first=part == 1)
    else:
        abort(404)
    return Response(body, mimetype="application/xml")


@bp.route("/panel")
@login_required
def dashboard():
    """Send each person to the dashboard of its role."""
    return redirect(url_for(DASHBOARDS[current_user.role]))


@bp.route("/salud")
def health():
    """JSON for load balancers and monitoring: 503 when the database does not answer; 200
    with status "degraded" and the reason when only the rate-limit store is down."""
    status, checks = portal_health.report()
    return jsonify(status=status, **checks), 503 if status == portal_health.ERROR else 200


@bp.route("/dev/correo")
def dev_mail():
    """Development only: the outbox as a mailbox, so a person trying the demo can open the
    confirmation link the console backend printed. 404 unless MAIL_BACKEND=console outside
    production and the request comes from this machine: these emails carry people's links."""
    if (current_app.config["MAIL_BACKEND"] != "console" or config.production()
            or not ip_address(request.remote_addr or "0.0.0.0").is_loopback):
        abort(404)
    return htmx.render("pages/dev_mail.html", emails=mail.recent())


@bp.route("/lugares")
def place_fields():
    """The department/province/district selects for the chosen place (htmx fragment)."""
    prefix = request.args.get("prefix", "")
    if prefix not in ("", "company-", "student-", "filter-"):
        prefix = ""
    department = request.args.get(f"{prefix}department_code", "")
    province = request.args.get(f"{prefix}province_code", "")
    district = request.args.get(f"{prefix}district_code", "")
    if not (len(department) == 2 and places.name(department)):
        department = ""
    if not (department and province.startswith(department) and len(province) == 4):
        province = ""
    if not (province and district.startswith(province) and len(district) == 6):
        district = ""
    return htmx.render("pages/_place_fields.html", department=department, province=province,
                       district=district, prefix=prefix)
