"""WSGI entry point: `gunicorn wsgi:app` or `flask --app wsgi ...`."""
from portal import create_app
from portal.config import ConfigurationError

try:
    app = create_app()
except ConfigurationError as error:
    # One clear line for the operator, not a traceback (see portal/config.py).
    raise SystemExit(str(error)) from None
