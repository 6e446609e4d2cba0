"""gunicorn settings, read from the project directory (`make serve`, `make bench`, production).

Each worker loads the public listing's index and matching's facts as it starts, before it
takes a request, so no visitor waits for them (portal/openings/index.py,
portal/matching/index.py; about a second at national scale).
"""


def on_starting(server):
    """Refuse to start on configuration the app refuses (portal/config.py), here in the
    master: a worker that exits at boot is only started again, printing the line forever."""
    from portal import config

    try:
        config.check(workers=server.cfg.workers)
    except config.ConfigurationError as error:
        raise SystemExit(str(error)) from None


def post_worker_init(worker):
    app = worker.wsgi
    if not hasattr(app, "app_context"):  # another WSGI app run from here (the benchmark's floor)
        return
    from portal.matching import index

    with app.app_context():
        index.warm()
