"""`flask --app wsgi openings ...` commands for cron."""
import click
from flask.cli import AppGroup

from portal.openings.expiry import WARN_DAYS, expire_due, warn_due

openings_cli = AppGroup("openings", help="Tareas periódicas de las ofertas.")


@openings_cli.command("expire")
def expire() -> None:
    """Marca como vencidas las ofertas publicadas cuyo plazo ya pasó (y cierra sus postulaciones
    abiertas, avisando a cada postulante), y avisa a las empresas cuyas ofertas vencen en 3 días
    con postulaciones sin decidir (para cron, a diario)."""
    count = expire_due()
    if count == 1:
        click.echo("Se marcó 1 oferta como vencida.")
    else:
        click.echo(f"Se marcaron {count} ofertas como vencidas.")
    warned = warn_due()
    if warned:
        openings = "1 oferta que vence" if warned == 1 else f"{warned} ofertas que vencen"
        click.echo(f"Avisamos a las empresas de {openings} en {WARN_DAYS} días o menos con postulaciones sin decidir.")
