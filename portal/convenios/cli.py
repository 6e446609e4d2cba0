"""`flask --app wsgi convenios ...` for cron."""
import click
from flask.cli import AppGroup

from portal.convenios.services import warn_ending

convenios_cli = AppGroup("convenios", help="Tareas periódicas de los convenios.")


@convenios_cli.command("warn")
def warn() -> None:
    """Avisa a la coordinación, una vez por convenio, de los que vencen en 30 días o menos, y marca como
    finalizados los ya vencidos (para cron, a diario)."""
    warned, ended = warn_ending()
    click.echo(f"Convenios por vencer avisados: {warned}. Convenios finalizados: {ended}.")
