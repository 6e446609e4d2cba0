"""The employer's pages (/empresa/…), always within the employer's own company.

One blueprint for the audience; each module holds the pages of one area, assembled from
the feature packages (openings, applications, matching, companies, convenios)."""
from flask import Blueprint

bp = Blueprint("employers", __name__, url_prefix="/empresa")

# Each module registers its routes on `bp` when imported (Flask's blueprint-package pattern).
from portal.employers import applicants, company, convenios, interviews, openings, recommended  # noqa: E402, F401
