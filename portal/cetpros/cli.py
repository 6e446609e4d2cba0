"""`flask --app wsgi cetpros create|invite-coordinator`: bootstrapping from a shell, through the
same services as the admin pages (/admin/cetpros)."""
import click
from flask.cli import AppGroup

from portal.cetpros import invitations, queries, services

cetpros_cli = AppGroup("cetpros", help="CETPRO y su coordinación (lo mismo que /admin/cetpros).")


@cetpros_cli.command("create")
@click.argument("codigo_modular")
@click.option("--name", required=True, help="Nombre del CETPRO.")
@click.option("--gestion", "management", type=click.Choice(["publica", "privada"]), default="publica",
              show_default=True)
@click.option("--ugel", default="", help="UGEL o DRE.")
@click.option("--departamento", "department", required=True, help="Código INEI de 2 dígitos (15 = Lima).")
@click.option("--provincia", "province", required=True, help="Código INEI de 4 dígitos (1501 = Lima).")
@click.option("--distrito", "district", default="", help="Código INEI de 6 dígitos (opcional).")
def create(codigo_modular: str, name: str, management: str, ugel: str, department: str, province: str,
           district: str) -> None:
    """Crea un CETPRO activo."""
    data = services.CetproData(codigo_modular=codigo_modular, name=name, management=management, ugel=ugel,
                               department_code=department, province_code=province, district_code=district)
    try:
        cetpro = services.create(data, None)
    except services.CetproError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"CETPRO creado: {cetpro.name} ({cetpro.codigo_modular}).")


@cetpros_cli.command("invite-coordinator")
@click.argument("email")
@click.option("--cetpro", "codigo_modular", required=True, help="Código modular del CETPRO (7 dígitos).")
def invite_coordinator(email: str, codigo_modular: str) -> None:
    """Envía por correo una invitación para coordinar un CETPRO (enlace de 48 horas)."""
    cetpro = queries.by_codigo(codigo_modular)
    if cetpro is None:
        raise click.ClickException(f"No existe un CETPRO con código modular {codigo_modular}.")
    try:
        invitation, _ = invitations.invite(cetpro, email, None)
    except invitations.InvitationError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Invitación enviada a {invitation.email} para {cetpro.name}.")
