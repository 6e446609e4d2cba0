"""One page of a list, and the query string that chose it.

Every paged list answers a `Page`: its items, the total and where the reader is; what a
list shows beside its rows (counts per tab, unread notifications) rides in `extra`.

A list's query string is a `QueryFilters` subclass that declares one `Param` a line, in
the order its URLs write them. Reading it never fails: an unknown, malformed or
inconsistent value is dropped and the default stands, because these URLs are shared and
typed by hand (DESIGN §5). `args()` gives the values back to `url_for` without the
defaults, so a shared URL stays short and shows the same list.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, Self, TypeVar

T = TypeVar("T")

MAX_PAGE = 10_000


def page_numbers(page: int, pages: int, around: int = 2) -> list[int | None]:
    """First, last and a window around `page`; None marks a gap ("1 … 4 5 6 … 20")."""
    wanted = {1, pages, *range(page - around, page + around + 1)}
    numbers: list[int | None] = []
    for number in sorted(n for n in wanted if 1 <= n <= pages):
        if numbers and number - numbers[-1] > 1:
            numbers.append(None)
        numbers.append(number)
    return numbers


def last_page(total: int, per_page: int) -> int:
    """How many pages `total` items fill (an empty list still has page 1)."""
    return max(1, -(-total // per_page))


@dataclass
class Page(Generic[T]):
    """One page of a list: `page` counts from 1; `extra` holds what the list shows beside it."""

    items: list[T]
    total: int
    page: int = 1
    per_page: int = 20
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return last_page(self.total, self.per_page)

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def shown(self) -> int:
        """How many items pages 1..page hold (what "Ver más" has loaded so far)."""
        return min(self.total, self.page * self.per_page)

    def numbers(self, around: int = 2) -> list[int | None]:
        return page_numbers(self.page, self.pages, around)


# --- The query string ---------------------------------------------------------------------

# What a value is called: a mapping of the valid values, or a function that answers None for
# a value that does not exist.
Names = Mapping[Any, str] | Callable[[Any], str | None]


class Param:
    """One query parameter: how its text becomes a value, and the default that stands when
    the text is missing or wrong.

    `names` both checks a value and names it (for "Familia: Construcción"); `title` is the
    word before that name; `requires` is a parameter this one means nothing without
    (removing or missing that one removes this one too); `filter=False` for what only
    orders or pages a list, which does not count as a filter.
    """

    def __init__(self, default: Any = None, *, names: Names | None = None, title: str | None = None,
                 requires: str | None = None, filter: bool = True):
        self.default = default
        self.names = names
        self.title = title
        self.requires = requires
        self.filter = filter

    def parse(self, text: str) -> Any:
        """The value `text` stands for, or None when it stands for nothing."""
        return text

    def read(self, text: str) -> tuple[Any, str | None]:
        """(value, its name) from the stripped text; (default, None) for anything else."""
        value = self.parse(text) if text else None
        if value is None:
            return self.default, None
        if self.names is None:
            return value, None
        name = self.names.get(value) if isinstance(self.names, Mapping) else self.names(value)
        return (value, name) if name else (self.default, None)

    def arg(self, value: Any) -> Any:
        """The value as the URL writes it."""
        return value

    def label(self, value: Any, name: str | None) -> str:
        """What the value reads like to people: "Tipo: Empleo"."""
        shown = name or str(value)
        return f"{self.title}: {shown}" if self.title else shown


class Text(Param):
    """Free words: spaces collapsed, cut to `max_length` characters."""

    def __init__(self, max_length: int = 100, **options):
        super().__init__("", **options)
        self.max_length = max_length

    def parse(self, text: str) -> str | None:
        return " ".join(text.split())[:self.max_length] or None

    def label(self, value: Any, name: str | None) -> str:
        return f"«{value}»"


class Number(Param):
    """A whole number from `low` to `high` (by default any id a database integer holds);
    outside them ignored, or brought inside (`clamp`)."""

    def __init__(self, low: int = 1, high: int = 2**31 - 1, *, clamp: bool = False, **options):
        super().__init__(**options)
        self.low, self.high, self.clamp = low, high, clamp

    def parse(self, text: str) -> int | None:
        if not (text.isascii() and text.isdigit()):
            return None
        digits = text.lstrip("0") or "0"
        number = int(digits) if len(digits) <= 12 else self.high + 1  # int() of 5,000 digits raises
        if self.clamp:
            return max(self.low, min(number, self.high))
        return number if self.low <= number <= self.high else None


class Choice(Param):
    """One of the keys of `names` (or a value `names` knows)."""

    def __init__(self, names: Names, default: Any = None, **options):
        super().__init__(default, names=names, **options)


class Flag(Param):
    """A checkbox: on is written "1"; "on", "si" and "true" are read as on too."""

    ON = ("1", "on", "si", "true")

    def __init__(self, **options):
        super().__init__(False, **options)

    def parse(self, text: str) -> bool | None:
        return True if text.lower() in self.ON else None

    def arg(self, value: Any) -> Any:
        return "1" if value else None


class PageNumber(Number):
    """`pagina`: from 1 to MAX_PAGE, out-of-range numbers brought inside; not a filter."""

    def __init__(self):
        super().__init__(1, MAX_PAGE, clamp=True, default=1, filter=False)


class QueryFilters:
    """A list's query string as checked values, one attribute per declared `Param`."""

    params: ClassVar[dict[str, Param]] = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        params: dict[str, Param] = {}
        for klass in reversed(cls.__mro__):
            params.update({key: value for key, value in vars(klass).items() if isinstance(value, Param)})
        cls.params = params

    def __init__(self, **values):
        self.names: dict[str, str] = {}  # the name of each named value, for labels
        for key, param in self.params.items():
            setattr(self, key, values.pop(key, param.default))
        if values:
            raise TypeError(f"{type(self).__name__} has no parameter {', '.join(values)}")

    @classmethod
    def from_args(cls, args: Mapping) -> Self:
        """Read `request.args` (or any mapping); what does not fit is left at its default."""
        filters = cls()
        for key, param in cls.params.items():
            if param.requires and not filters.is_set(param.requires):
                continue
            value, name = param.read(str(args.get(key) or "").strip())
            setattr(filters, key, value)
            if name:
                filters.names[key] = name
        filters.clean()
        return filters

    def clean(self) -> None:
        """Drop values that contradict each other; each one alone has been checked already."""

    def drop(self, key: str) -> None:
        """Back to the default: the value is as good as never given."""
        setattr(self, key, self.params[key].default)
        self.names.pop(key, None)

    def is_set(self, key: str) -> bool:
        return getattr(self, key) != self.params[key].default

    @property
    def page(self) -> int:
        """The page asked for (1 for a list without pages)."""
        return getattr(self, "pagina", 1)

    def values(self) -> dict[str, Any]:
        return {key: getattr(self, key) for key in self.params}

    def args(self, **changes) -> dict[str, Any]:
        """Query arguments for `url_for`: defaults and empty values left out, so URLs stay short
        to share. `changes` replace values (None removes one); other keys pass through."""
        args = {}
        for key, value in {**self.values(), **changes}.items():
            param = self.params.get(key)
            if param is not None:
                if value == param.default:
                    continue
                value = param.arg(value)
            if value is not None and value != "":
                args[key] = value
        return args

    def without(self, key: str) -> dict[str, Any]:
        """The arguments with one filter, and what requires it, removed: from page 1."""
        removed = {other: None for other, param in self.params.items()
                   if other == key or param.requires == key or isinstance(param, PageNumber)}
        return self.args(**removed)

    def active(self) -> list[tuple[str, str]]:
        """(key, label) of each filter in use, in declaration order: «electricista», "Tipo: Empleo"."""
        return [(key, param.label(getattr(self, key), self.names.get(key)))
                for key, param in self.params.items() if param.filter and self.is_set(key)]

    @property
    def count(self) -> int:
        """How many filters are in use (for "Filtros (2)")."""
        return sum(1 for key, param in self.params.items() if param.filter and self.is_set(key))

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.values() == self.values()

    __hash__ = None  # mutable: `drop` and `clean` change it

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self.args().items())})"


class PageOnly(QueryFilters):
    """The query string of a list that only pages."""

    pagina = PageNumber()
