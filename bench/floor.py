"""The floor of the stack: a WSGI app that answers every request with fixed bytes from memory.

bench/run.py writes a real listing fragment's response (body and encoding) to the file
named by BENCH_FLOOR_BODY, and serves this app through the same gunicorn setup as the
portal, so the difference between the two is what the portal itself costs.
"""
import os
from pathlib import Path

BODY = Path(os.environ["BENCH_FLOOR_BODY"]).read_bytes()
HEADERS = [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(BODY))),
           ("Vary", "HX-Request, HX-Request-Type, Accept-Encoding"), ("Cache-Control", "no-store")]
if os.environ.get("BENCH_FLOOR_ENCODING"):
    HEADERS.append(("Content-Encoding", os.environ["BENCH_FLOOR_ENCODING"]))


def app(environ, start_response):
    start_response("200 OK", HEADERS)
    return [BODY]
