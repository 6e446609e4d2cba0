"""gunicorn settings, read from the project directory (`make serve`, `make bench`, production).

Each worker loads the public listing's index and matching's facts as it starts, before it
takes a request, so no visitor waits for them (portal/openings/index.py,
portal/matching/index.py; about a second at national scale).

Metrics (portal/metrics.py): the workers count into files in one directory
(prometheus_client's multi-process mode), emptied when gunicorn starts, so /metrics
answered by any worker adds up all of them. Set before any worker imports the app.
"""
import gc
import os
import shutil
from pathlib import Path

os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR",
                      str(Path(os.environ.get("INSTANCE_PATH", Path(__file__).parent / "instance")) / "metrics"))


def on_starting(server):
    """Refuse to start on configuration the app refuses (portal/config.py), here in the
    master: a worker that exits at boot is only started again, printing the line forever."""
    from portal import config

    try:
        config.check(workers=server.cfg.workers)
    except config.ConfigurationError as error:
        raise SystemExit(str(error)) from None
    metrics = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    shutil.rmtree(metrics, ignore_errors=True)  # counts of an earlier run's workers
    metrics.mkdir(parents=True, exist_ok=True)


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def post_worker_init(worker):
    app = worker.wsgi
    if not hasattr(app, "app_context"):  # another WSGI app run from here (the benchmark's floor)
        return
    from portal.matching import index

    with app.app_context():
        index.warm()
    # Everything alive now (the app, its modules, the loaded index) lives as long as the
    # worker: gc.freeze() moves it out of the garbage collector's sight, so a full
    # collection no longer walks 184,000 objects in the middle of a request (about 100 ms
    # on the large set, measured in docs/PERFORMANCE.md). The trade-off: a reference cycle
    # among these objects would never be collected, so the index drops its own (see
    # `_current` in portal/openings/index.py); no request is in flight here, so no
    # request's garbage is frozen with them.
    gc.freeze()
