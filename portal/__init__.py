"""Enlace CETPRO: the application factory."""
from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from flask import Flask, url_for
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.routing import IntegerConverter

from portal import config as config_module
from portal import logs
from portal.extensions import babel, compress, csrf, db, limiter, login_manager, migrate

ROOT = config_module.ROOT


class IdConverter(IntegerConverter):
    """`<int:…>` ids that fit the database's INTEGER columns: /ofertas/99999999999999999999
    is a 404, not an overflow error from the driver (a 500)."""

    def __init__(self, map, *args, **kwargs) -> None:
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def create_app(config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=str(config_module.INSTANCE),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.from_mapping(config_module.from_env())
    if config:
        app.config.update(config)
        if "SQLALCHEMY_DATABASE_URI" in config and "SQLALCHEMY_ENGINE_OPTIONS" not in config:
            app.config["SQLALCHEMY_ENGINE_OPTIONS"] = config_module.engine_options(
                config["SQLALCHEMY_DATABASE_URI"]
            )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.url_map.converters["int"] = IdConverter
    logs.configure()

    db.init_app(app)
    from portal import versions

    versions.watch(db.session)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), compare_type=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=lambda: "es_PE", timezone_selector=lambda: "America/Lima")
    limiter.init_app(app)
    compress.init_app(app)
    _init_login(app)
    _init_templates(app)

    from portal import errors, security

    security.init_app(app)
    errors.init_app(app)

    from portal.accounts.routes import bp as accounts_bp
    from portal.admin.routes import bp as admin_bp
    from portal.applications.routes import bp as applications_bp
    from portal.companies.routes import bp as companies_bp
    from portal.convenios.routes import bp as convenios_bp
    from portal.coordinators.routes import bp as coordinators_bp
    from portal.employers.routes import bp as employers_bp
    from portal.matching.routes import bp as matching_bp
    from portal.notifications.routes import bp as notifications_bp
    from portal.openings.routes import bp as openings_bp
    from portal.pages.routes import bp as pages_bp
    from portal.placements.routes import bp as placements_bp
    from portal.reports.routes import bp as reports_bp
    from portal.roster.routes import bp as roster_bp
    from portal.students.routes import bp as students_bp

    for blueprint in (pages_bp, accounts_bp, openings_bp, students_bp, employers_bp,
                      coordinators_bp, admin_bp, companies_bp, applications_bp,
                      roster_bp, placements_bp, convenios_bp, reports_bp, matching_bp, notifications_bp):
        app.register_blueprint(blueprint)

    from portal import cli

    cli.init_app(app)
    return app


def _init_login(app: Flask) -> None:
    from portal.models import User

    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Ingresa con tu cuenta para continuar."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(session_id: str) -> User | None:
        user_id, _, version = session_id.partition(":")
        if not user_id.isdigit() or not version.isdigit():
            return None
        user = db.session.get(User, int(user_id))
        # A password change bumps session_version and so ends every other session.
        if user is None or user.session_version != int(version):
            return None
        return user


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """WAL lets readers work while one writer writes; busy_timeout waits for the lock."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def _init_templates(app: Flask) -> None:
    from portal import formatting, places, vocab

    app.jinja_env.filters.update(formatting.FILTERS)
    app.jinja_env.globals.update(vocab=vocab, places=places, asset=_asset_url)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True


@cache
def _static_digest(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def _asset_url(filename: str) -> str:
    """A versioned static URL: the content hash changes the URL, so files cache for a year."""
    from flask import current_app

    digest = _static_digest(str(Path(current_app.static_folder) / filename))
    return url_for("static", filename=filename, v=digest)
