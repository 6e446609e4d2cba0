"""`flask --app wsgi followups ...` for cron."""
from flask.cli import AppGroup

followups_cli = AppGroup("followups", help="Seguimiento de egresados colocados.")
