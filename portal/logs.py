"""Log output: one line per record on stderr, with colours only on a terminal.

Werkzeug puts ANSI colour codes into the text of its request lines (404 yellow, 5xx
magenta, ...) and of its development-server warning; written to a file (`make run > log`)
or a pipe they are noise, so they are taken out there.
"""
from __future__ import annotations

import logging
import os
import re

FORMAT = "%(levelname)s %(name)s: %(message)s"
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


class PlainUnlessTerminal(logging.StreamHandler):
    """A stream handler that drops ANSI escape codes unless its stream is a terminal
    (or NO_COLOR is set: https://no-color.org)."""

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        if os.environ.get("NO_COLOR") or not _is_terminal(self.stream):
            return _ANSI.sub("", text)
        return text


def _is_terminal(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


def configure(level: int = logging.INFO) -> None:
    """As logging.basicConfig: nothing happens when the root logger has a handler already."""
    root = logging.getLogger()
    if root.handlers:
        return
    handler = PlainUnlessTerminal()
    handler.setFormatter(logging.Formatter(FORMAT))
    root.addHandler(handler)
    root.setLevel(level)
