"""Lighthouse scores of the public pages (home, listing, one opening) on the demo data.

Builds the demo world in a temporary directory (`flask db upgrade`, `reference load`,
`seed demo` on SQLite), serves it with gunicorn (2 workers, 127.0.0.1), runs Lighthouse
with Debian's Chromium (mobile form factor, Lighthouse's default throttling) on each page,
prints the four category scores per page and the audits that did not pass, and writes
bench/results/lighthouse-<date>.json. Each page is audited `--runs` times and the median
score per category is kept (a shared 2-core machine makes single runs noisy).

Lighthouse is a Node tool, not a project dependency; install it outside the tree's
committed files, e.g. into .cache/ (ignored by git):

    mkdir -p .cache/lighthouse && npm install --prefix .cache/lighthouse lighthouse@12
    .venv/bin/python bench/lighthouse.py                 # 3 runs per page
    .venv/bin/python bench/lighthouse.py --runs 1        # quicker
    .venv/bin/python bench/lighthouse.py --lighthouse /path/to/lighthouse --chrome /usr/bin/chromium

Targets (issue 8): Performance >= 95, Accessibility 100, Best Practices >= 95, SEO >= 95.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
TARGETS = {"performance": 95, "accessibility": 100, "best-practices": 95, "seo": 95}
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu"


def find_lighthouse(given: str | None) -> str:
    for candidate in (given, os.environ.get("LIGHTHOUSE"),
                      ROOT / ".cache" / "lighthouse" / "node_modules" / ".bin" / "lighthouse",
                      shutil.which("lighthouse")):
        if candidate and Path(candidate).is_file():
            return str(candidate)
    sys.exit("lighthouse not found: npm install --prefix .cache/lighthouse lighthouse@12 (see the docstring)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode()


def build_demo(env: dict) -> None:
    for args in (("db", "upgrade"), ("reference", "load"), ("seed", "demo")):
        done = subprocess.run([str(VENV_BIN / "flask"), "--app", "wsgi", *args], cwd=ROOT, env=env,
                              capture_output=True, text=True)
        if done.returncode:
            sys.exit(f"flask {' '.join(args)} failed:\n{done.stderr}")


@contextmanager
def gunicorn(env: dict):
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [str(VENV_BIN / "gunicorn"), "--no-control-socket", "-w", "2", "-b", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=ROOT, env={**env, "BASE_URL": base}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                _get(base + "/salud")
                break
            except OSError as error:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("gunicorn did not start") from error
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)


def audit(lighthouse: str, chrome: str, url: str, out: Path) -> dict:
    env = {**os.environ, "CHROME_PATH": chrome}
    subprocess.run(
        [lighthouse, url, "--quiet", "--output=json", f"--output-path={out}", f"--chrome-flags={CHROME_FLAGS}",
         "--only-categories=" + ",".join(CATEGORIES)],
        env=env, check=True)
    return json.loads(out.read_text())


def failing_audits(report: dict) -> list[dict]:
    """Audits that did not fully pass; `weighted` ones count towards a category score."""
    weighted = {ref["id"] for name in CATEGORIES for ref in report["categories"][name]["auditRefs"]
                if ref.get("weight", 0) > 0}
    failing = []
    for audit_id, found in sorted(report["audits"].items()):
        score = found.get("score")
        if score is not None and score < 1 and found.get("scoreDisplayMode") in ("binary", "numeric", "metricSavings"):
            failing.append({"id": audit_id, "weighted": audit_id in weighted, "score": score,
                            "title": found.get("title", ""), "value": found.get("displayValue", "")})
    return failing


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="Lighthouse runs per page; the median is kept (3)")
    parser.add_argument("--lighthouse", help="path to the lighthouse CLI (default: .cache/lighthouse, then PATH)")
    parser.add_argument("--chrome", default="/usr/bin/chromium", help="Chromium binary (/usr/bin/chromium)")
    args = parser.parse_args(argv)
    lighthouse = find_lighthouse(args.lighthouse)

    with tempfile.TemporaryDirectory(prefix="enlace-lighthouse-") as tmp:
        tmp_path = Path(tmp)
        env = {**os.environ, "INSTANCE_PATH": tmp, "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}",
               "UPLOAD_PATH": str(tmp_path / "uploads")}
        env.pop("FLASK_DEBUG", None)
        build_demo(env)
        with gunicorn(env) as base:
            opening = re.search(r'href="(/ofertas/\d+)"', _get(base + "/ofertas"))
            pages = {"home": "/", "listing": "/ofertas", "opening": opening.group(1) if opening else "/ofertas/1"}
            results = {}
            for name, path in pages.items():
                runs = [audit(lighthouse, args.chrome, base + path, tmp_path / f"{name}-{n}.json")
                        for n in range(args.runs)]
                scores = {c: round(statistics.median(r["categories"][c]["score"] * 100 for r in runs))
                          for c in CATEGORIES}
                median_run = sorted(runs, key=lambda r: r["categories"]["performance"]["score"])[len(runs) // 2]
                results[name] = {
                    "path": path, "scores": scores,
                    "runs": [{c: round(r["categories"][c]["score"] * 100) for c in CATEGORIES} for r in runs],
                    "metrics": {m: median_run["audits"][m].get("displayValue", "") for m in (
                        "first-contentful-paint", "largest-contentful-paint", "total-blocking-time",
                        "cumulative-layout-shift", "speed-index")},
                    "failing": failing_audits(median_run),
                }
            version = runs[0]["lighthouseVersion"]
            user_agent = runs[0]["environment"]["hostUserAgent"]

    print(f"{'page':10} " + " ".join(f"{c:>15}" for c in CATEGORIES))
    for name, result in results.items():
        print(f"{name:10} " + " ".join(f"{result['scores'][c]:>15}" for c in CATEGORIES))
    for name, result in results.items():
        for failing in result["failing"]:
            scored = "" if failing["weighted"] else " [not scored]"
            print(f"  {name}: {failing['id']} ({failing['score']:.2f}){scored} {failing['title']} {failing['value']}")
    below = [(n, c) for n, r in results.items() for c in CATEGORIES if r["scores"][c] < TARGETS[c]]
    print("targets met" if not below else f"below target: {below}")

    now = datetime.now(UTC)
    out = ROOT / "bench" / "results" / f"lighthouse-{now:%Y-%m-%d}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({
        "date": now.strftime("%Y-%m-%d %H:%M UTC"), "lighthouse": version, "browser": user_agent,
        "form_factor": "mobile (Lighthouse default throttling)", "runs_per_page": args.runs,
        "data": "flask seed demo (SQLite), gunicorn 2 workers", "targets": TARGETS, "pages": results,
    }, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
