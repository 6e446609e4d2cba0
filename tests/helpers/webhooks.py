"""Webhooks test helpers: an endpoint subscribed to every event, and a real HTTP receiver
on 127.0.0.1."""
from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from portal import vocab
from portal.webhooks import services


def endpoint(coordinator, url="https://siga.example.pe/webhooks", events=None):
    return services.create(coordinator, coordinator.cetpro_id,
                           services.EndpointData(url=url, description="SIGA", events=events or list(vocab.WEBHOOK_EVENTS)))


class Receiver:
    """A threaded http.server that records each POST and answers with the next status of
    `statuses` (the last one repeats)."""

    def __init__(self):
        self.requests: list[tuple[dict, bytes]] = []
        self.statuses = [204]
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
                status = receiver.statuses.pop(0) if len(receiver.statuses) > 1 else receiver.statuses[0]
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/enlace"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
