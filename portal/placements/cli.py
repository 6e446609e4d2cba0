"""`flask --app wsgi followups ...` for cron."""
import click
from flask.cli import AppGroup

from portal.placements.services import schedule_due

followups_cli = AppGroup("followups", help="Seguimiento de egresados colocados.")


@followups_cli.command("due")
def due() -> None:
    """Crea los seguimientos de 3, 6 y 12 meses que ya corresponden y escribe a cada persona (para cron, a diario)."""
    created, emailed = schedule_due()
    click.echo(f"Seguimientos creados: {created}. Correos en cola: {emailed}.")
