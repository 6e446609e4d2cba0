"""Helpers shared by the feature forms."""
from __future__ import annotations

from collections.abc import Mapping


def attach_errors(form, errors: Mapping[str, str | list[str]], message: str) -> None:
    """Put a service's Spanish messages beside the form fields they name; what names no
    field goes to the top of the form, so no message is ever lost."""
    placed = False
    for name, messages in errors.items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = list(field.errors) + ([messages] if isinstance(messages, str) else list(messages))
            placed = True
    if not placed:
        form.form_errors.append(message)
