"""`flask --app wsgi companies reencode-logos`: once, after upgrading, for logos stored before
uploads were re-encoded."""
import click
from flask.cli import AppGroup

from portal.companies.profile import reencode_stored_logos

companies_cli = AppGroup("companies", help="Mantenimiento de las empresas.")


@companies_cli.command("reencode-logos")
def reencode_logos() -> None:
    """Vuelve a codificar cada logo guardado (quita EXIF y lo que no es imagen, achica los grandes)."""
    report = reencode_stored_logos()
    click.echo(f"Logos recodificados: {report.reencoded}. Quitados por no ser una imagen PNG o JPG: "
               f"{report.removed}. Archivos que faltaban: {report.missing}.")
