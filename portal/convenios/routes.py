"""convenios routes."""
from flask import Blueprint

bp = Blueprint("convenios", __name__)
