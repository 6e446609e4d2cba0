"""`flask --app wsgi openings ...` commands for cron."""
from flask.cli import AppGroup

openings_cli = AppGroup("openings", help="Tareas periódicas de las ofertas.")
