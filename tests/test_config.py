"""Configuration: the local secret key is made once and kept private; BASE_URL follows the served port in development and is required in
production, where the app refuses to start without it (one line, no traceback)."""
from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from portal import config
from tests import factories

ROOT = Path(__file__).resolve().parent.parent


SETTINGS = ("BASE_URL", "PORTAL_ENV", "FLASK_RUN_HOST", "FLASK_RUN_PORT", "SECRET_KEY", "DATABASE_URL",
            "MAIL_SERVER", "MAIL_BACKEND", "RATELIMIT_STORAGE_URI", "TRUSTED_PROXIES", "CREDENTIAL_SIGNING_KEYS")
SIGNING_KEYS = json.dumps({"keys": [config.new_signing_key()]})
# What a production deployment must set (README, Configuration), all of it right.
PRODUCTION = {"PORTAL_ENV": "production", "SECRET_KEY": "k" * 48, "BASE_URL": "https://enlacecetpro.pe",
              "DATABASE_URL": "postgresql+psycopg://enlace@db.interno:5432/enlace", "MAIL_SERVER": "smtp.interno",
              "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0", "CREDENTIAL_SIGNING_KEYS": SIGNING_KEYS}


@pytest.fixture
def environ(monkeypatch):
    for name in SETTINGS:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def _production(environ, **changes):
    for name, value in {**PRODUCTION, **changes}.items():
        if value is None:
            environ.delenv(name, raising=False)
        else:
            environ.setenv(name, value)


def test_in_development_base_url_follows_the_served_host_and_port(environ):
    assert config.from_env()["BASE_URL"] == "http://127.0.0.1:5000"
    environ.setenv("FLASK_RUN_PORT", "5401")
    assert config.from_env()["BASE_URL"] == "http://127.0.0.1:5401"
    environ.setenv("FLASK_RUN_HOST", "0.0.0.0")  # every interface: links point at this machine
    assert config.base_url() == "http://127.0.0.1:5401"
    environ.setenv("FLASK_RUN_HOST", "localhost")
    assert config.base_url() == "http://localhost:5401"
    environ.setenv("BASE_URL", "https://demo.enlacecetpro.pe/")
    assert config.base_url() == "https://demo.enlacecetpro.pe"


def test_make_run_passes_its_port_to_every_command_it_runs(tmp_path):
    """`PORT=5401 make run`: the seed, the worker and the server all link to port 5401
    (BASE_URL stayed http://127.0.0.1:5000). FLASK is replaced by a script that prints the
    BASE_URL the app would use; the virtualenv is taken as installed (-o)."""
    probe = tmp_path / "probe.py"
    started = tmp_path / "worker-printed"
    # `make run` starts the worker in the background and stops it when the server exits: the
    # server's probe waits for the worker's line (on a busy machine the worker starts late).
    probe.write_text(f"import sys, time\nfrom pathlib import Path\nsys.path.insert(0, {str(ROOT)!r})\n"
                     "from portal import config\n"
                     f"started = Path({str(started)!r})\n"
                     "if sys.argv[1] == 'run':\n"
                     "    deadline = time.monotonic() + 60\n"
                     "    while not started.exists() and time.monotonic() < deadline:\n"
                     "        time.sleep(0.05)\n"
                     "print(sys.argv[1], config.base_url(), flush=True)\n"
                     "if sys.argv[1] == 'worker':\n"
                     "    started.touch()\n")
    env = {k: v for k, v in os.environ.items() if k not in ("BASE_URL", "PORTAL_ENV", "FLASK_RUN_HOST",
                                                            "FLASK_RUN_PORT", "MAKEFLAGS", "MFLAGS")}
    env["PORT"] = "5401"
    done = subprocess.run(["make", "-s", "-C", str(ROOT), "-o", ".venv/.installed", "run",
                           f"FLASK={sys.executable} {probe}"],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = dict(line.split(" ", 1) for line in done.stdout.splitlines())
    assert lines == {"db": "http://127.0.0.1:5401", "reference": "http://127.0.0.1:5401",
                     "seed": "http://127.0.0.1:5401", "worker": "http://127.0.0.1:5401",
                     "run": "http://127.0.0.1:5401"}


def test_in_production_the_app_refuses_to_start_without_base_url(environ):
    _production(environ, BASE_URL=None)
    environ.setenv("FLASK_RUN_PORT", "5401")  # the served port is no substitute in production
    with pytest.raises(config.ConfigurationError, match="^Falta BASE_URL"):
        config.from_env()
    environ.setenv("BASE_URL", "enlacecetpro.pe")
    with pytest.raises(config.ConfigurationError, match="no es una dirección"):
        config.from_env()
    environ.setenv("BASE_URL", "http://enlacecetpro.pe")
    with pytest.raises(config.ConfigurationError, match="debe empezar con https://"):
        config.from_env()
    environ.setenv("BASE_URL", "https://enlacecetpro.pe")
    assert config.from_env()["BASE_URL"] == "https://enlacecetpro.pe"


def test_a_production_start_names_every_missing_setting_one_line_each(tmp_path):
    """Nothing set but PORTAL_ENV: the import that gunicorn and flask do exits with one line per
    problem (no traceback), before any key is made or any SQLite file is written."""
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS}
    env.update(PORTAL_ENV="production", INSTANCE_PATH=str(tmp_path))
    done = subprocess.run([sys.executable, "-c", "import wsgi"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert len(lines) == 5
    assert [line.startswith(words) for line, words in zip(lines, (
        config.MISSING_BASE_URL, "Falta SECRET_KEY", "DATABASE_URL debe ser PostgreSQL", "Falta MAIL_SERVER",
        "Falta CREDENTIAL_SIGNING_KEYS"), strict=True)] == [True] * 5
    assert "Traceback" not in done.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("change, words", [
    ({"SECRET_KEY": None}, "Falta SECRET_KEY"),
    ({"DATABASE_URL": None}, "DATABASE_URL debe ser PostgreSQL"),
    ({"DATABASE_URL": "sqlite:////srv/enlace.db"}, "DATABASE_URL debe ser PostgreSQL"),
    ({"MAIL_SERVER": None}, "Falta MAIL_SERVER"),
    ({"TRUSTED_PROXIES": "muchos"}, "TRUSTED_PROXIES"),
    ({"CREDENTIAL_SIGNING_KEYS": None}, "Falta CREDENTIAL_SIGNING_KEYS"),
])
def test_production_refuses_each_missing_or_wrong_setting(environ, change, words):
    _production(environ, **change)
    with pytest.raises(config.ConfigurationError) as refused:
        config.from_env()
    assert str(refused.value).splitlines() == [next(p for p in config.problems() if words in p)]


def test_several_workers_need_a_shared_rate_limit_store(environ):
    _production(environ, RATELIMIT_STORAGE_URI=None)
    config.check(workers=1)  # one process: its memory is the whole count
    with pytest.raises(config.ConfigurationError, match="memory:// con 4 procesos"):
        config.check(workers=4)
    environ.setenv("RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/0")
    config.check(workers=4)


def test_config_check_says_what_production_would_refuse(environ, app):
    """`flask --app wsgi config check` on a development machine: production's rules, applied now."""
    runner = app.test_cli_runner()
    result = runner.invoke(args=["config", "check", "--workers", "2"])
    assert result.exit_code == 1
    assert "Falta SECRET_KEY" in result.output and "Falta MAIL_SERVER" in result.output
    assert "memory:// con 2 procesos" in result.output
    _production(environ, PORTAL_ENV=None)
    result = runner.invoke(args=["config", "check", "--workers", "2"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "La configuración sirve para producción."


def test_share_links_and_the_canonical_url_are_built_from_base_url(app, client):
    app.config["BASE_URL"] = "http://127.0.0.1:5401"
    opening = factories.opening(factories.company(verified=True), title="Soldador")
    html = client.get(f"/ofertas/{opening.id}").get_data(as_text=True)
    url = f"http://127.0.0.1:5401/ofertas/{opening.id}"
    assert f'<meta property="og:url" content="{url}">' in html and f'<link rel="canonical" href="{url}">' in html
    assert "https://wa.me/?text=Soldador%20%E2%80%94%20http%3A//127.0.0.1%3A5401/ofertas/" in html


def test_local_secret_key_is_made_once_and_kept_private(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setattr(config, "INSTANCE", tmp_path)
    key = config._secret_key()
    assert len(key) >= 48 and config._secret_key() == key
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"]


def test_a_key_another_process_wrote_meanwhile_is_the_one_used(tmp_path, monkeypatch):
    """Two processes starting at once (test workers, gunicorn workers) end up with one key."""
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setattr(config, "INSTANCE", tmp_path)
    (tmp_path / "secret_key").write_text("written-by-the-other-process")
    # The file was not there yet when this process looked.
    monkeypatch.setattr(Path, "exists", lambda self: False)
    assert config._secret_key() == "written-by-the-other-process"
    assert (tmp_path / "secret_key").read_text() == "written-by-the-other-process"


def test_local_credential_signing_key_is_made_once_and_kept_private(environ, tmp_path, monkeypatch):
    """Development: one Ed25519 key in instance/, the same on every start (credentials signed
    yesterday still verify); production never makes one (it refuses to start instead)."""
    monkeypatch.setattr(config, "INSTANCE", tmp_path)
    keys = config.credential_signing_keys()
    assert config.credential_signing_keys() == keys
    [key] = keys["keys"]
    assert key["kty"] == "OKP" and key["crv"] == "Ed25519" and key["d"] and key["kid"]
    assert stat.S_IMODE((tmp_path / "credential_signing_keys.json").stat().st_mode) == 0o600
    environ.setenv("PORTAL_ENV", "production")
    with pytest.raises(config.ConfigurationError, match="^Falta CREDENTIAL_SIGNING_KEYS"):
        config.credential_signing_keys()


def _public_only(key: dict) -> dict:
    return {name: value for name, value in key.items() if name != "d"}


@pytest.mark.parametrize("value, words", [
    ("no-es-json", "no es JSON"),
    ('{"keys": []}', "no tiene claves"),
    ('{"kty": "RSA", "n": "x", "e": "AQAB"}', "no es Ed25519"),
    (json.dumps({"keys": [_public_only(config.new_signing_key())]}), "le falta su parte privada"),
    (json.dumps({**config.new_signing_key(), "x": config.new_signing_key()["x"]}), "x no es la parte pública"),
    (json.dumps({"keys": [{**config.new_signing_key(), "kid": "k"}, {**config.new_signing_key(), "kid": "k"}]}),
     "el mismo kid"),
])
def test_a_wrong_credential_key_setting_refuses_to_start(environ, value, words):
    environ.setenv("CREDENTIAL_SIGNING_KEYS", value)
    with pytest.raises(config.ConfigurationError, match=f"^CREDENTIAL_SIGNING_KEYS.*{words}"):
        config.from_env()
    assert any(words in line for line in config.problems())


def test_earlier_credential_keys_need_only_their_public_half(environ):
    """A rotation: the new key signs; the old one, public half only, is still published."""
    new, old = config.new_signing_key(), config.new_signing_key()
    environ.setenv("CREDENTIAL_SIGNING_KEYS", json.dumps({"keys": [new, _public_only(old)]}))
    assert [key["kid"] for key in config.from_env()["CREDENTIAL_SIGNING_KEYS"]["keys"]] == [new["kid"], old["kid"]]


def _settings_read_by_the_code() -> set[str]:
    """Every environment variable the portal reads: os.environ.get("X"), os.environ["X"],
    os.getenv("X") and the config's _flag("X") helper."""
    pattern = re.compile(r"""(?:environ\.get|environ\[|getenv|_flag)\(?\s*["']([A-Z][A-Z0-9_]+)["']""")
    sources = [*(ROOT / "portal").rglob("*.py"), ROOT / "wsgi.py", ROOT / "gunicorn.conf.py"]
    names = {name for source in sources for name in pattern.findall(source.read_text(encoding="utf-8"))}
    # Read by name through one helper each.
    names |= {name for _, name, _ in config.SIGN_IN_SETTINGS + config.RETENTION_SETTINGS}
    # Set by `flask run` / `make run`, not by an operator.
    return names - {"FLASK_RUN_HOST", "FLASK_RUN_PORT"}


def test_env_example_documents_every_setting_the_code_reads():
    documented = set(re.findall(r"^#?([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(encoding="utf-8"), re.M))
    read = _settings_read_by_the_code()
    assert {"SECRET_KEY", "DATABASE_URL", "MAIL_SERVER", "TRUSTED_PROXIES"} <= read  # the scan finds them
    assert read - documented == set(), "add these to .env.example"
    assert documented - read == set(), ".env.example documents settings nothing reads"


def test_readme_configuration_table_names_every_setting():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("## Configuration"):readme.index("## Production")]
    missing = {name for name in _settings_read_by_the_code() if f"`{name}`" not in table}
    assert missing == set(), "add these to README's configuration table"


@pytest.mark.parametrize("name, value, words", [
    ("SESSION_MAX_AGE", "30d", "número de segundos"),
    ("STAFF_IDLE_TIMEOUT", "0", "número de segundos"),
    ("KNOWN_DEVICE_MAX_AGE", "-5", "número de segundos"),
    ("LOGIN_LIMIT_PER_PAIR", "cinco por hora", "no es un límite"),
    ("LOGIN_LIMIT_PER_ACCOUNT", "50/hora", "no es un límite"),
    ("LOGIN_ALERT_AFTER", "diez", "número mayor que 0"),
])
def test_a_nonsense_sign_in_setting_refuses_to_start(environ, name, value, words):
    """A typo in a session or throttle setting stops the start with one Spanish line, rather
    than a 500 at the first sign-in."""
    environ.setenv(name, value)
    with pytest.raises(config.ConfigurationError, match=f"^{name}=.*{words}"):
        config.from_env()
    assert any(line.startswith(f"{name}=") for line in config.problems())
    environ.setenv(name, {"LOGIN_LIMIT_PER_PAIR": "3 per 10 minutes", "LOGIN_LIMIT_PER_ACCOUNT": "20 per hour"}
                   .get(name, "7200"))
    assert config.from_env()[name] in ("3 per 10 minutes", "20 per hour", 7200)
