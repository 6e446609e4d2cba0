"""`make install` is quiet for a newcomer: installing the project itself prints nothing
(pip's BuildBackendWarning block came from building it in an isolated environment with
whatever setuptools was newest; the Makefile builds it with the locked setuptools)."""
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_installing_the_project_as_make_does_prints_no_warning():
    makefile = (ROOT / "Makefile").read_text()
    line = re.search(r"^\t\$\(PIP\) install (.*) -e \.$", makefile, re.M)
    assert line, "the Makefile installs the project with $(PIP) install … -e ."
    options = line[1].split()
    assert "--no-build-isolation" in options
    done = subprocess.run([sys.executable, "-m", "pip", "--disable-pip-version-check", "install", *options,
                           "--dry-run", "-e", "."], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "" and done.stderr.strip() == "", done.stderr
