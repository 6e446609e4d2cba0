"""placements routes."""
from flask import Blueprint

bp = Blueprint("placements", __name__)
