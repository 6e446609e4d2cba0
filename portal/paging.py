"""Numbered pagers for the lists that work without JavaScript."""
from __future__ import annotations


def page_numbers(page: int, pages: int, around: int = 2) -> list[int | None]:
    """First, last and a window around `page`; None marks a gap ("1 … 4 5 6 … 20")."""
    wanted = {1, pages, *range(page - around, page + around + 1)}
    numbers: list[int | None] = []
    for number in sorted(n for n in wanted if 1 <= n <= pages):
        if numbers and number - numbers[-1] > 1:
            numbers.append(None)
        numbers.append(number)
    return numbers
