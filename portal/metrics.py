"""Prometheus metrics on /metrics, for the addresses in METRICS_ALLOW only.

Counted as they happen: requests by endpoint, method and status, their latency by
endpoint, and rebuilds of the in-process indexes (listing, matching) with their
duration. Read from the database at each scrape: the outbox's backlog and the age of its
oldest email, failed emails, and each periodic job's last success.

Under gunicorn every worker is its own process: gunicorn.conf.py points
PROMETHEUS_MULTIPROC_DIR at a directory the workers share (prometheus_client's
multi-process mode), so a scrape answered by any worker counts the requests of all.
"""
from __future__ import annotations

import functools
import os
import time
from collections.abc import Callable
from ipaddress import ip_address, ip_network

from flask import Flask, Response, abort, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

REQUESTS = Counter("enlace_requests", "Requests answered", ["endpoint", "method", "status"])
LATENCY = Histogram("enlace_request_seconds", "Time to answer a request", ["endpoint"],
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
REBUILDS = Counter("enlace_index_rebuilds", "Rebuilds of an in-process index", ["index"])
REBUILD_SECONDS = Histogram("enlace_index_rebuild_seconds", "Time to rebuild an in-process index", ["index"],
                            buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))


def rebuild(index: str) -> Callable:
    """Decorate an index's build function: count and time each rebuild."""

    def decorate(build: Callable) -> Callable:
        @functools.wraps(build)
        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return build(*args, **kwargs)
            finally:
                REBUILDS.labels(index).inc()
                REBUILD_SECONDS.labels(index).observe(time.perf_counter() - started)

        return timed

    return decorate


class DatabaseFacts:
    """Collected at scrape time from the database (one small query each)."""

    def __init__(self, read: Callable[[], dict]):
        self.read = read

    def collect(self):
        facts = self.read()
        yield GaugeMetricFamily("enlace_outbox_pending", "Emails waiting to be sent", value=facts["pending"])
        yield GaugeMetricFamily("enlace_outbox_oldest_seconds", "Age of the oldest email waiting",
                                value=facts["oldest_seconds"])
        yield GaugeMetricFamily("enlace_outbox_failed", "Emails given up on (see /admin/correos)",
                                value=facts["failed"])
        success = GaugeMetricFamily("enlace_job_last_success_timestamp",
                                    "When each periodic job last succeeded (Unix time)", labels=["job"])
        for name, at in facts["jobs"].items():
            success.add_metric([name], at)
        yield success


def allowed(address: str | None, networks: str) -> bool:
    try:
        client = ip_address(address or "")
    except ValueError:
        return False
    for network in networks.split(","):
        if network.strip():
            try:
                if client in ip_network(network.strip(), strict=False):
                    return True
            except ValueError:
                continue
    return False


def exposition(read_facts: Callable[[], dict]) -> bytes:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
    else:
        registry = CollectorRegistry()
        for collector in (REQUESTS, LATENCY, REBUILDS, REBUILD_SECONDS):
            registry.register(collector)
    registry.register(DatabaseFacts(read_facts))
    return generate_latest(registry)


def init_app(app: Flask, read_facts: Callable[[], dict]) -> None:
    """Count every request, and answer /metrics to METRICS_ALLOW (404 to anyone else)."""

    @app.before_request
    def start_clock() -> None:
        g.metrics_started = time.perf_counter()

    @app.after_request
    def count(response):
        if "metrics_started" in g:
            endpoint = request.endpoint or "none"
            REQUESTS.labels(endpoint, request.method, str(response.status_code)).inc()
            LATENCY.labels(endpoint).observe(time.perf_counter() - g.metrics_started)
        return response

    @app.route("/metrics")
    def metrics():
        if not allowed(request.remote_addr, app.config["METRICS_ALLOW"]):
            abort(404)
        return Response(exposition(read_facts), content_type=CONTENT_TYPE_LATEST)

