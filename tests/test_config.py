"""Configuration from the environment."""
from __future__ import annotations

import stat
from pathlib import Path

from portal import config


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
