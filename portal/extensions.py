"""Extensions, created unbound here and bound to the app in the factory."""
from flask import Flask, current_app, request
from flask_babel import Babel
from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_qualified_name, get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    # Named constraints so Alembic can alter and drop them on every database.
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_N_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
compress = Compress()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def limits_may_apply(app: Flask, endpoint: str) -> bool:
    """Whether any limit Flask-Limiter holds could apply to a request of `endpoint`: the
    application's, the defaults, meta limits, the view's own or its blueprint's. Limits
    are declared as the app is made (decorators, blueprints, configuration), so the answer
    is kept per app and endpoint from its first request on."""
    known = app.extensions.setdefault("limits_may_apply", {})
    if endpoint not in known:
        view = app.view_functions.get(endpoint)
        manager = limiter.limit_manager
        with app.app_context():
            every = [*manager.application_limits, *manager.default_limits,
                     *(manager.decorated_limits(get_qualified_name(view)) if view else ()),
                     *manager.blueprint_limits(app, endpoint.rpartition(".")[0])]
        known[endpoint] = bool(every or getattr(limiter, "_meta_limits", None))
    return known[endpoint]


@limiter.request_filter
def _no_limit_applies() -> bool:
    """Flask-Limiter resolves the limits of every request before finding that most pages
    have none (about 30 µs a request); a request to an endpoint no limit can reach skips it.
    (Whether the limiter is on at all, Flask-Limiter itself checks on every request.)"""
    return request.endpoint is not None and not limits_may_apply(current_app, request.endpoint)
