"""Command-line tasks: `flask --app wsgi users|outbox|reference|seed ...`."""
from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from portal import config
from portal.accounts import registration
from portal.accounts.registration import create_staff
from portal.accounts.rules import AccountError
from portal.applications.cli import applications_cli
from portal.backup import backup_command
from portal.certificates.cli import credentials_cli
from portal.cetpros import invitations
from portal.cetpros import queries as cetpro_queries
from portal.cetpros.cli import cetpros_cli
from portal.companies.cli import companies_cli
from portal.convenios.cli import convenios_cli
from portal.mail import deliver_pending
from portal.openings.cli import openings_cli
from portal.placements.cli import followups_cli
from portal.privacy.cli import privacy_cli
from portal.reference.seed import seed_reference
from portal.seed.commands import seed_cli
from portal.worker import worker_command

users_cli = AppGroup("users", help="Crear cuentas de administración y coordinación.")
outbox_cli = AppGroup("outbox", help="Enviar los correos pendientes.")
accounts_cli = AppGroup("accounts", help="Mantenimiento de cuentas.")
reference_cli = AppGroup("reference", help="Datos de referencia: familias, programas, módulos, RMV.")
config_cli = AppGroup("config", help="Revisar la configuración.")


def _ask_password() -> str:
    return click.prompt("Contraseña", hide_input=True, confirmation_prompt=True)


@users_cli.command("create-admin")
@click.argument("email")
@click.option("--name", default="Administración", help="Nombre a mostrar.")
@click.option("--password", help="Si no se da, se pide de forma interactiva.")
def create_admin(email: str, name: str, password: str | None) -> None:
    """Crea una cuenta de administración."""
    password = password or _ask_password()
    try:
        user = create_staff(email, password, role="admin", first_names=name)
    except AccountError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Administrador(a) creado(a): {user.email}")


@users_cli.command("create-coordinator")
@click.argument("email")
@click.option("--cetpro", "codigo_modular", required=True, help="Código modular del CETPRO (7 dígitos).")
@click.option("--name", default="Coordinación", help="Nombre a mostrar.")
@click.option("--password", help="Si no se da, se pide de forma interactiva.")
def create_coordinator(email: str, codigo_modular: str, name: str, password: str | None) -> None:
    """Crea una cuenta de coordinación para un CETPRO (lo mismo que aceptar una invitación de /admin/cetpros)."""
    cetpro = cetpro_queries.by_codigo(codigo_modular)
    if cetpro is None:
        raise click.ClickException(f"No existe un CETPRO con código modular {codigo_modular}.")
    password = password or _ask_password()
    try:
        user = invitations.add_coordinator(cetpro, email, name, password)
    except invitations.InvitationError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Coordinador(a) creado(a): {user.email} ({cetpro.name})")


@accounts_cli.command("purge-unconfirmed")
@click.option("--days", default=7, show_default=True, help="Antigüedad mínima de la cuenta sin confirmar.")
def purge_unconfirmed(days: int) -> None:
    """Borra las cuentas que nunca confirmaron su correo (y su perfil o empresa vacíos)."""
    removed, kept = registration.purge_unconfirmed(days)
    click.echo(f"Cuentas sin confirmar borradas: {removed}. Conservadas (con datos asociados): {kept}.")


@outbox_cli.command("send")
@click.option("--limit", default=200, show_default=True)
def outbox_send(limit: int) -> None:
    """Envía los correos pendientes que toca enviar (MAIL_BACKEND: por SMTP, o al log en desarrollo)."""
    sent, failed = deliver_pending(limit)
    click.echo(f"Enviados: {sent}. Fallidos: {failed}.")
    if failed:
        raise SystemExit(1)


@reference_cli.command("load")
def reference_load() -> None:
    """Carga familias, programas, módulos y la tabla RMV que falten."""
    added = seed_reference()
    click.echo(", ".join(f"{k}: +{v}" for k, v in added.items()))


@config_cli.command("check")
@click.option("--workers", default=1, show_default=True, help="Procesos que compartirán esta configuración.")
def config_check(workers: int) -> None:
    """Lo que un despliegue en producción (PORTAL_ENV=production) rechazaría, una línea por problema."""
    found = config.problems(strict=True, workers=workers)
    for problem in found:
        click.echo(problem, err=True)
    if found:
        raise SystemExit(1)
    click.echo("La configuración sirve para producción.")


def init_app(app: Flask) -> None:
    app.cli.add_command(config_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(accounts_cli)
    app.cli.add_command(outbox_cli)
    app.cli.add_command(reference_cli)

    app.cli.add_command(seed_cli)
    app.cli.add_command(openings_cli)
    app.cli.add_command(applications_cli)
    app.cli.add_command(followups_cli)
    app.cli.add_command(convenios_cli)
    app.cli.add_command(companies_cli)
    app.cli.add_command(cetpros_cli)
    app.cli.add_command(privacy_cli)
    app.cli.add_command(backup_command)
    app.cli.add_command(credentials_cli)
    app.cli.add_command(worker_command)
