"""The signature checked by a receiver written from docs/API.md alone: the Python function
and the openssl line of its «Webhooks» section are read from the document and run against
what the worker really sends (through a real HTTP receiver on 127.0.0.1). If the document
and the code disagree, these fail."""
from __future__ import annotations

import re
import subprocess
from datetime import datetime, timedelta
from pathlib import Path

from portal import clock
from portal.extensions import db
from portal.webhooks import events, sending, services
from tests import factories
from tests.helpers.webhooks import endpoint

DOC = Path(__file__).resolve().parents[2] / "docs" / "API.md"


def _section() -> str:
    text = DOC.read_text(encoding="utf-8")
    start = text.index("\n## Webhooks\n")
    end = text.find("\n## ", start + 1)
    return text[start:] if end == -1 else text[start:end]


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", _section(), re.S)


def documented_verify():
    """The documented `verify` function, as a CETPRO's engineer would paste it."""
    namespace: dict = {}
    exec(compile(_blocks("python")[0], str(DOC), "exec"), namespace)  # noqa: S102 - our own document
    return namespace["verify"]


def send_one(world, receiver, frozen_clock, rotate=False):
    at = frozen_clock(datetime(2026, 12, 1, 9, 0))
    row = endpoint(world["coordinator"], url=receiver.url)
    old = row.secret
    new = services.rotate(world["coordinator"], row) if rotate else old
    placement = factories.placement(world["student"], clock.today() - timedelta(days=5))
    events.placement_created(placement)
    db.session.commit()
    assert sending.deliver_due() == 1
    [(headers, body)] = receiver.requests
    return at.timestamp(), headers, body, old, new


def test_the_documented_python_receiver_accepts_a_real_delivery_and_nothing_forged(world, receiver, frozen_clock):
    verify = documented_verify()
    now, headers, body, secret, _ = send_one(world, receiver, frozen_clock)
    header = headers["enlace-signature"]
    assert verify(secret, header, body, now=now)
    assert verify(secret, header, body, now=now + 299)  # within the documented 5 minutes
    assert not verify(secret, header, body, now=now + 301)  # a replay later is refused
    assert not verify(secret, header, body.replace(b"Quispe", b"Quispa"), now=now)  # a changed body
    assert not verify("whsec_otro", header, body, now=now)  # another secret
    assert not verify(secret, header.replace("v1=", "v0="), body, now=now)
    assert not verify(secret, "", body, now=now)


def test_the_documented_receiver_accepts_both_secrets_during_a_rotation(world, receiver, frozen_clock):
    verify = documented_verify()
    now, headers, body, old, new = send_one(world, receiver, frozen_clock, rotate=True)
    assert verify(new, headers["enlace-signature"], body, now=now)
    assert verify(old, headers["enlace-signature"], body, now=now)


def test_the_documented_openssl_line_gives_the_signature(world, receiver, frozen_clock, tmp_path):
    _, headers, body, secret, _ = send_one(world, receiver, frozen_clock)
    (tmp_path / "body.json").write_bytes(body)
    timestamp = re.match(r"t=(\d+),", headers["enlace-signature"]).group(1)
    [line] = [line for line in _blocks("sh")[0].splitlines() if "openssl" in line]
    digest = subprocess.run(["sh", "-c", line], cwd=tmp_path, env={"T": timestamp, "SECRET": secret,
                                                                   "PATH": "/usr/bin:/bin"},
                            capture_output=True, text=True, check=True).stdout.strip()
    assert f"v1={digest}" in headers["enlace-signature"].split(",")
