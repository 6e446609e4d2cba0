"""The example client of docs/API.md, run as a CETPRO's IT person would run it: the Python
script and the curl lines, copied from the document, against the portal over real HTTP. If
the document and the API disagree, these fail."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from portal.extensions import db
from portal.models import StudentProfile
from tests import factories

DOC = Path(__file__).resolve().parents[2] / "docs" / "API.md"


def _block(language: str) -> str:
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index("\n## Example client\n"):text.index("\n## Webhooks\n")]
    [block] = re.findall(rf"```{language}\n(.*?)```", section, re.S)
    return block


def _run(command: list[str], live_server: str, token: str | None, tmp_path) -> str:
    env = {**os.environ, "ENLACE_URL": live_server}
    if token:
        env["ENLACE_TOKEN"] = token
    done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_the_documented_python_client_runs_as_is(live_server, world, make_token, tmp_path):
    factories.opening(title="Electricista de mantenimiento")
    script = tmp_path / "cliente_enlace.py"
    script.write_text(_block("python"), encoding="utf-8")
    public = _run([sys.executable, str(script)], live_server, None, tmp_path)
    assert "Electricista de mantenimiento" in public and "1 ofertas" in public
    secret = make_token("x", "roster:write", "roster:read", "placements:read", "openings:read")
    out = _run([sys.executable, str(script)], live_server, secret, tmp_path)
    assert "intento 1: fila 1 DNI 70000001: created" in out
    assert "intento 2: fila 1 DNI 70000001: created" in out  # the same key: the same answer, replayed
    assert "1 estudiantes; 0 postulaciones" in out and "0 colocaciones; 0 seguimientos" in out
    assert db.session.scalar(select(StudentProfile.cetpro_id).where(
        StudentProfile.document_number == "70000001")) == world["x"].id
    again = _run([sys.executable, str(script)], live_server, secret, tmp_path)  # a new key, the same row
    assert "intento 1: fila 1 DNI 70000001: unchanged" in again


def test_the_documented_curl_lines_run_as_is(live_server, world, make_token, tmp_path):
    factories.opening(title="Electricista de mantenimiento")
    secret = make_token("x", "roster:write", "roster:read", "placements:read")
    out = _run(["bash", "-e", "-c", _block("sh")], live_server, secret, tmp_path)
    answers = [json.loads(line) for line in re.findall(r"^\{.*\}$", out.replace("}{", "}\n{"), re.M)]
    assert [len(a.get("items", [])) for a in answers[:4]] == [1, 0, 0, 0]
    assert answers[4]["created"] == 1 and answers[4]["results"][0]["dni"] == "70000001"
