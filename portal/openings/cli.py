"""`flask --app wsgi openings ...` commands for cron."""
import click
from flask.cli import AppGroup

from portal.openings.expiry import expire_due

openings_cli = AppGroup("openings", help="Tareas periódicas de las ofertas.")


@openings_cli.command("expire")
def expire() -> None:
    """Marca como vencidas las ofertas publicadas cuyo plazo ya pasó (para cron, a diario)."""
    count = expire_due()
    if count == 1:
        click.echo("Se marcó 1 oferta como vencida.")
    else:
        click.echo(f"Se marcaron {count} ofertas como vencidas.")
