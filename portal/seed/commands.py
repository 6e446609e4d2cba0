"""`flask --app wsgi seed demo|large` (filled in by the seed module)."""
from flask.cli import AppGroup

seed_cli = AppGroup("seed", help="Datos de demostración y de escala nacional.")
