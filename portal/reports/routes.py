"""reports routes."""
from flask import Blueprint

bp = Blueprint("reports", __name__)
