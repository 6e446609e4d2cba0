"""`flask --app wsgi applications nudge` for cron."""
import click
from flask.cli import AppGroup

from portal.applications.services import nudge as run

applications_cli = AppGroup("applications", help="Tareas periódicas de las postulaciones.")


@applications_cli.command("nudge")
@click.option("--days", default=7, show_default=True, help="Días sin respuesta antes de avisar.")
def nudge(days: int) -> None:
    """Avisa a las empresas de postulaciones sin respuesta (Recibida o Vista) hace más de N días, una vez."""
    count = run(days=days)
    click.echo(f"Postulaciones recordadas: {count}.")
