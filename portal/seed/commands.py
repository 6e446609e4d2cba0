"""`flask --app wsgi seed demo|large`: demo data and the national-scale data set."""
from __future__ import annotations

import sys
from time import perf_counter

import click
from flask.cli import AppGroup

from portal import vocab
from portal.reference.seed import seed_reference
from portal.seed import demo as demo_data
from portal.seed.common import PASSWORD, user_count
from portal.seed.large import ROWS_AT_SCALE_1, build_large

seed_cli = AppGroup("seed", help="Datos de demostración y de escala nacional.")

STATE_WORDS = {
    "openings_by_state": "Ofertas por estado",
    "openings_by_kind": "Ofertas por tipo",
    "applications_by_state": "Postulaciones por estado",
}
COUNT_WORDS = (
    ("cetpros", "CETPRO"),
    ("companies", "Empresas"),
    ("users", "Usuarios"),
    ("students", "Estudiantes"),
    ("company_members", "Miembros de empresas"),
    ("student_modules", "Módulos declarados"),
    ("certificates", "Certificados modulares"),
    ("student_skills", "Habilidades"),
    ("openings", "Ofertas"),
    ("opening_requirements", "Requisitos de ofertas"),
    ("applications", "Postulaciones"),
    ("interviews", "Entrevistas"),
    ("nominations", "Recomendaciones"),
    ("placements", "Colocaciones"),
    ("follow_ups", "Seguimientos"),
    ("convenios", "Convenios"),
    ("notifications", "Notificaciones"),
    ("opening_reports", "Denuncias"),
)


def _fail(message: str) -> None:
    click.echo(message, err=True)
    sys.exit(1)


def _labelled(mapping: dict[str, int], words: dict[str, str]) -> str:
    return ", ".join(f"{words.get(key, key)} {n}" for key, n in sorted(mapping.items(), key=lambda kv: -kv[1]))


@seed_cli.command("demo")
@click.option("--force", is_flag=True, help="Cargar la demostración aunque ya haya otros usuarios.")
@click.option("--if-empty", is_flag=True, help="No hacer nada si ya existe algún usuario.")
def demo(force: bool, if_empty: bool) -> None:
    """Carga un conjunto pequeño y realista de datos de demostración."""
    if if_empty and user_count():
        click.echo("La base de datos ya tiene usuarios: no se cargan datos de demostración.")
        return
    if demo_data.demo_exists():
        click.echo("Los datos de demostración ya están cargados; no se hizo nada.")
        return
    others = demo_data.other_user_count()
    if others and not force:
        _fail(f"La base de datos ya tiene {others} usuario(s) que no son de demostración. "
              "No se cargó nada; usa --force si de verdad quieres agregar los datos de demostración.")
    seed_reference()
    summary = demo_data.build_demo()
    counts = summary["counts"]
    click.echo("Datos de demostración cargados:")
    for key, word in COUNT_WORDS:
        if counts.get(key):
            click.echo(f"  {word}: {counts[key]}")
    companies = summary["companies_by_state"]
    click.echo("  Empresas por verificación: "
               + _labelled(companies, {k: v.lower() for k, v in vocab.VERIFICATION_STATES.items()}))
    click.echo(f"  {STATE_WORDS['openings_by_state']}: "
               + _labelled(summary["openings_by_state"], {k: v.lower() for k, v in vocab.OPENING_STATES.items()}))
    click.echo(f"  {STATE_WORDS['openings_by_kind']}: "
               + _labelled(summary["openings_by_kind"], {k: v.lower() for k, v in vocab.OPENING_KINDS.items()}))
    click.echo(f"  {STATE_WORDS['applications_by_state']}: "
               + _labelled(summary["applications_by_state"],
                           {k: v.lower() for k, v in vocab.APPLICATION_STATES.items()}))
    click.echo(f"Cuentas de demostración (contraseña: {PASSWORD}):")
    width = max(len(email) for email, _, _ in summary["accounts"])
    for email, role, who in summary["accounts"]:
        click.echo(f"  {email:<{width}}  {role}: {who}")


@seed_cli.command("large")
@click.option("--scale", type=click.FloatRange(min=0, min_open=True, max=10), default=1.0, show_default=True,
              help="Fracción de los volúmenes nacionales (0.1 = 10 %).")
@click.option("--force", is_flag=True, help="Cargar aunque ya haya usuarios.")
def large(scale: float, force: bool) -> None:
    """Carga el conjunto de escala nacional (300 CETPRO, 60 000 estudiantes, 200 000 postulaciones;
    --scale 5: 1 500 CETPRO, 300 000 estudiantes, 1 000 000 de postulaciones)."""
    existing = user_count()
    if existing and not force:
        _fail(f"La base de datos ya tiene {existing} usuario(s). "
              "No se cargó nada; usa --force para agregar el conjunto grande igualmente.")
    seed_reference()
    started = perf_counter()
    if sys.stderr.isatty():
        # A bar over the rows to insert (about a million per unit of scale); each stage's
        # name and time in its label. Without a terminal (CI, logs), one line per stage.
        with click.progressbar(length=round(ROWS_AT_SCALE_1 * scale), label="Preparando", file=sys.stderr,
                               show_pos=True, width=30) as bar:
            def stage(line: str) -> None:
                bar.label = line.split(":")[0]
            counts, samples = build_large(scale, echo=stage, progress=bar.update)
            bar.update(max(0, bar.length - bar.pos))
    else:
        counts, samples = build_large(scale, echo=lambda line: click.echo(line, err=True))
    click.echo(f"Conjunto grande cargado (escala {scale:g}) en {perf_counter() - started:.1f} s:")
    for table, n in sorted(counts.items()):
        click.echo(f"  {table}: {n}")
    click.echo(f"Cuentas de ejemplo (todas con la contraseña {PASSWORD}):")
    for role, word in (("admin", "Administración"), ("coordinator", "Coordinación"),
                       ("employer", "Empresa"), ("student", "Estudiante")):
        if role in samples:
            click.echo(f"  {samples[role]}  {word}")
