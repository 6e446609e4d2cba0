"""Enlace CETPRO: the application factory."""
from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from flask import Flask, current_app, url_for
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from portal import (
    clock,
    errors,
    formatting,
    forms,
    health,
    links,
    logs,
    metrics,
    places,
    security,
    transactions,
    versions,
    vocab,
)
from portal import config as config_module
from portal.extensions import babel, compress, csrf, db, limiter, login_manager, migrate
from portal.models import User

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
    logs.init_app(app)
    metrics.init_app(app, health.facts)

    db.init_app(app)
    versions.watch(db.session)
    with app.app_context():
        for engine in db.engines.values():
            transactions.keep_prepared(engine)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), compare_type=True)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=lambda: app.config["BABEL_DEFAULT_LOCALE"],
                   timezone_selector=lambda: clock.LIMA.key)
    forms.init_app(app)
    limiter.init_app(app)
    compress.init_app(app)
    _init_login(app)
    _init_templates(app)

    security.init_app(app)
    errors.init_app(app)

    _register_blueprints(app)
    # Every feature's commands (and so every feature): loaded with an app, like the pages.
    from portal import cli

    cli.init_app(app)
    # A repeated anonymous listing fragment is answered before Flask's stack (its docstring
    # says when, and why it answers exactly as the app would); inside ProxyFix, so it sees
    # the client's address and scheme as the app does.
    from portal.openings import fastpath

    fastpath.install(app)
    if hops := app.config.get("TRUSTED_PROXIES", 0):
        # Behind nginx or a load balancer: the client's address (rate limits, logs) and the
        # scheme come from the headers the trusted proxies set, never from the client's own.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    return app


def _register_blueprints(app: Flask) -> None:
    """The audiences' pages (docs/ARCHITECTURE.md), then the features' own public and
    shared URLs. Imported here, not at the top: importing any `portal.x` module runs this
    package first, and a script that only wants `portal.models` should not load every page."""
    from portal import admin, coordinators, employers
    from portal.accounts import routes as accounts
    from portal.alerts import routes as alerts
    from portal.api import bp as api
    from portal.applications import routes as applications
    from portal.certificates import routes as certificates
    from portal.cetpros import routes as cetpros
    from portal.companies import routes as companies
    from portal.convenios import routes as convenios
    from portal.notifications import routes as notifications
    from portal.openings import routes as openings
    from portal.pages import routes as pages
    from portal.placements import routes as placements
    from portal.privacy import routes as privacy
    from portal.profiles import routes as profiles
    from portal.roster import routes as roster
    from portal.students import routes as students

    for blueprint in (students.bp, employers.bp, coordinators.bp, admin.bp):
        app.register_blueprint(blueprint)
    for module in (pages, accounts, openings, applications, notifications, profiles, companies,
                   convenios, placements, roster, cetpros, privacy, alerts,
                   certificates):
        app.register_blueprint(module.bp)
    app.register_blueprint(api)  # /api/v1: machines, with tokens (docs/API.md)


def _init_login(app: Flask) -> None:
    from portal.accounts import sessions

    login_manager.init_app(app)
    sessions.init_app(app)
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
    """WAL lets readers work while one writer writes; busy_timeout waits for the lock;
    mmap_size reads the file through a memory map."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # Without it every page past SQLite's 2 MB cache is a read() of the OS cache: the
        # matching pages probe thousands of rows scattered over a 0.2-1.2 GB file, and at five
        # times the set spent most of their time there (docs/PERFORMANCE.md, "Matching at five
        # times the set"). The map shares the OS page cache, costs no memory of its own, and is
        # capped by SQLite's build (2 GB here); writes still go through the WAL.
        cursor.execute("PRAGMA mmap_size=2147483648")
        cursor.close()


def _init_templates(app: Flask) -> None:
    # A feature's constant shown by templates of several features; imported with the app,
    # like the blueprints below, so `portal.models` alone loads no feature.
    from portal.applications.states import OPEN_STATES

    app.jinja_env.filters.update(formatting.FILTERS)
    # external_url: absolute links (share cards, canonical) from BASE_URL, as emails build them.
    app.jinja_env.globals.update(vocab=vocab, places=places, asset=_asset_url, OPEN_STATES=OPEN_STATES,
                                 external_url=links.external, with_query=links.with_query,
                                 page_links=links.page_links)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True


@cache
def _static_digest(path: str) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def _asset_url(filename: str) -> str:
    """A versioned static URL: the content hash changes the URL, so files cache for a year."""
    digest = _static_digest(str(Path(current_app.static_folder) / filename))
    return url_for("static", filename=filename, v=digest)
