"""`flask --app wsgi privacy ...`: the data-rights jobs the worker runs, for cron."""
import click
from flask.cli import AppGroup

from portal.privacy import deletion, retention

privacy_cli = AppGroup("privacy", help="Datos personales (Ley 29733): eliminaciones y plazos de conservación.")


@privacy_cli.command("erase-due")
def erase_due() -> None:
    """Elimina las cuentas cuyo plazo de gracia terminó (DELETION_GRACE_DAYS)."""
    click.echo(f"Cuentas eliminadas: {deletion.erase_due()}.")


@privacy_cli.command("purge")
def purge() -> None:
    """Borra los correos enviados hace más de OUTBOX_RETENTION_DAYS y las cuentas sin confirmar hace más de
    UNCONFIRMED_RETENTION_DAYS."""
    emails = retention.purge_outbox()
    accounts = retention.purge_unconfirmed_accounts()
    click.echo(f"Correos antiguos borrados: {emails}. Cuentas sin confirmar borradas: {accounts}.")
