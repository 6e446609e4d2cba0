"""`flask --app wsgi credentials new-key`: a new key for CREDENTIAL_SIGNING_KEYS (docs/CREDENTIALS.md)."""
from __future__ import annotations

import json

import click
from flask.cli import AppGroup

from portal import config
from portal.certificates import credentials

credentials_cli = AppGroup("credentials", help="Claves que firman los certificados como credenciales verificables.")


@credentials_cli.command("new-key")
@click.option("--rotate", is_flag=True,
              help="Pone la clave nueva primero (firma desde ahora) y deja detrás la parte pública de las actuales "
                   "(lo que firmaron sigue verificándose).")
def new_key(rotate: bool) -> None:
    """Imprime un JWK Set con una clave Ed25519 nueva, para CREDENTIAL_SIGNING_KEYS."""
    keys = [config.new_signing_key()]
    if rotate:
        keys += credentials.jwks()["keys"]
    click.echo(json.dumps({"keys": keys}))
    click.echo("Guárdalo como CREDENTIAL_SIGNING_KEYS (el mismo valor en cada servidor y proceso) y no lo publiques: "
               "incluye la clave privada (d).", err=True)
