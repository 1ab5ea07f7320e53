"""Letter layouts: one module per design of the DWC letter, and the registry that picks one.

Every module of this package whose name does not start with "_" is a layout module and defines
`LAYOUT = Layout(...)`: how to detect its letters (a score over the letter's text) and where each
field lives (section headings, header labels, credentials, item wording, layout warnings). The
steps that read a letter (read.py and the modules it calls) are the same for every layout and
take these declarations as parameters. So adding a layout is adding one module here; see
docs/letter-layouts.md.

    dwc2016.py   the 2016-17 letter (layout "2016"), the 150 letters in dwc-imr/
    dwc2013.py   the 2013-14 letter (layout "2013"), the seed letter

The registry is built from the package's modules on first use. `choose()` scores every
registered layout and takes the highest (the first registered on a tie); a letter no layout
scores above 0 is read with the declarations of DEFAULT under the name "unknown" (`fallback()`).
`register_layout()` and `register_package()` add layouts from elsewhere (the tests' invented
layout in tests/parser/fixtures/layouts/), `unregister_layout()` removes one.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from types import ModuleType

from ..clean import collapse, content_lines, line_width, normalise
from ..items import ItemMarks
from ..result import ParsedLetter
from ..reviewer import CredentialStyle

__all__ = [
    "DEFAULT",
    "MAX_NAME",
    "UNKNOWN",
    "Heading",
    "Layout",
    "LetterText",
    "Sections",
    "choose",
    "default",
    "fallback",
    "get",
    "is_letter",
    "no_checks",
    "register_layout",
    "register_package",
    "registered",
    "unregister_layout",
]

# The layout whose declarations read a letter no layout recognises (and the default header
# labels of header.parse_header); such a letter is reported with the layout name UNKNOWN.
DEFAULT = "2016"
UNKNOWN = "unknown"
# Longest layout name: the apps store it in a 16-character column (Determination.layout).
MAX_NAME = 16


@dataclass
class LetterText:
    """A letter's text as layouts are detected on and read from: the normalised text and its
    content lines (blank lines and page furniture dropped, whitespace collapsed)."""

    text: str
    lines: list[str]
    # find() results: every layout's detection and the reading look for the same headings
    _found: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    @classmethod
    def of(cls, raw: str) -> LetterText:
        text = normalise(raw)
        return cls(text, content_lines(text))

    @cached_property
    def context(self) -> str:
        """The whole text in lower case: the letter's own usage decides line-wrap hyphens."""
        return self.text.lower()

    @cached_property
    def width(self) -> int:
        return line_width(self.lines)

    def find(self, pattern: re.Pattern, start: int = 0) -> int:
        """Index of the first line from `start` that `pattern` matches (at its start), or -1."""
        key = (pattern, start)
        if key not in self._found:
            self._found[key] = next((i for i in range(start, len(self.lines)) if pattern.match(self.lines[i])), -1)
        return self._found[key]

    def flat(self, start: int = 0, end: int | None = None) -> str:
        """Lines start..end joined into one line, whitespace collapsed."""
        return collapse(" ".join(self.lines[start:end]))


@dataclass(frozen=True)
class Heading:
    """A section heading: its title for messages, the regex matching its line (at the start),
    and the short name messages use in passing ("IMR ISSUES"; the title when empty)."""

    title: str
    pattern: re.Pattern
    short: str = ""

    @property
    def name(self) -> str:
        return self.short or self.title


@dataclass(frozen=True)
class Sections:
    """Line indexes of the three section headings in one letter, -1 for a missing one."""

    reviewer: int
    summary: int
    issues: int
    count: int  # number of lines in the letter

    @property
    def first(self) -> int:
        """Where the header block ends: the first heading found (the end of the letter if none)."""
        return min((i for i in (self.reviewer, self.summary, self.issues) if i >= 0), default=self.count)


def no_checks(letter: ParsedLetter) -> list[str]:
    return []


@dataclass(frozen=True)
class Layout:
    """What one layout declares. See dwc2016.py for every field filled in."""

    name: str  # stored as ParsedLetter.layout (at most MAX_NAME characters)
    # detect(layout, text) -> score: above 0 when the text is this layout's letter, the highest
    # score wins. It receives the layout so a layout derived with dataclasses.replace() keeps working.
    detect: Callable[[Layout, LetterText], float]
    markers: re.Pattern  # searched in the text: it is an IMR letter at all
    reviewer: Heading  # the section with the expert reviewer's credentials
    summary: Heading  # the clinical case summary
    issues: Heading  # the disputed items, decisions and rationales
    header_labels: Mapping[str, str]  # ParsedLetter header field -> regex of its label (header.FIELDS)
    credentials: tuple[CredentialStyle, ...]  # reviewer.py styles, tried in order
    summary_intro_end: re.Pattern  # searched in the summary's first lines: the last line of its boilerplate
    summary_preamble: re.Pattern  # the same boilerplate, removed from the start of the joined summary
    issues_intro: re.Pattern  # matched on the line after the issues heading: boilerplate, skipped
    items: ItemMarks  # how item blocks start, end and are labelled
    # checks(letter) -> warnings this layout adds once the letter is read (a missing header field)
    checks: Callable[[ParsedLetter], list[str]] = field(default=no_checks)

    def score(self, text: LetterText) -> float:
        return self.detect(self, text)

    def sections(self, text: LetterText) -> Sections:
        return Sections(
            text.find(self.reviewer.pattern),
            text.find(self.summary.pattern),
            text.find(self.issues.pattern),
            len(text.lines),
        )


# --- the registry ------------------------------------------------------------------------------

_LOCK = threading.RLock()
_REGISTRY: dict[str, Layout] = {}
_LOADED = False


def _layout_of(source: ModuleType | Layout) -> Layout:
    if isinstance(source, Layout):
        return source
    found = getattr(source, "LAYOUT", None)
    if not isinstance(found, Layout):
        raise TypeError(f"layout module {source.__name__} does not define LAYOUT = Layout(...)")
    return found


def _add(layout: Layout) -> None:
    if not 0 < len(layout.name) <= MAX_NAME:
        raise ValueError(f"a layout name has 1 to {MAX_NAME} characters, not {layout.name!r}")
    if layout.name == UNKNOWN:
        raise ValueError(f"{UNKNOWN!r} is the name of the fallback, not of a layout")
    if layout.name in _REGISTRY:
        raise ValueError(f"a layout named {layout.name!r} is already registered")
    _REGISTRY[layout.name] = layout


def _modules(package: ModuleType) -> list[ModuleType]:
    """The layout modules of `package`: every module whose name does not start with "_"."""
    names = sorted(m.name for m in pkgutil.iter_modules(package.__path__) if not m.name.startswith("_"))
    return [importlib.import_module(f"{package.__name__}.{name}") for name in names]


def _load() -> None:
    """Register this package's own layout modules, once."""
    global _LOADED
    with _LOCK:
        if _LOADED:
            return
        # Set first: a layout module that asks the registry while being imported must not
        # start the discovery again.
        _LOADED = True
        try:
            for module in _modules(importlib.import_module(__name__)):
                _add(_layout_of(module))
        except BaseException:
            _REGISTRY.clear()
            _LOADED = False
            raise


def register_layout(source: ModuleType | Layout) -> Layout:
    """Add a layout: a module defining LAYOUT, or a Layout. Its name must be new."""
    _load()
    layout = _layout_of(source)
    with _LOCK:
        _add(layout)
    return layout


def register_package(package: ModuleType) -> list[Layout]:
    """Add every layout module of another package, as this package's own are found."""
    return [register_layout(module) for module in _modules(package)]


def unregister_layout(name: str) -> Layout:
    _load()
    with _LOCK:
        return _REGISTRY.pop(name)


def registered() -> tuple[Layout, ...]:
    """The registered layouts, in registration order (this package's modules by name first)."""
    _load()
    with _LOCK:
        return tuple(_REGISTRY.values())


def get(name: str) -> Layout:
    _load()
    with _LOCK:
        return _REGISTRY[name]


def default() -> Layout:
    return get(DEFAULT)


def _never(layout: Layout, text: LetterText) -> float:
    return 0.0


def _unrecognised(letter: ParsedLetter) -> list[str]:
    return ["unrecognised layout (neither the 2016 header block nor the 2013 layout)"]


def fallback() -> Layout:
    """The DEFAULT layout's declarations under the name "unknown", with a warning saying so."""
    return replace(default(), name=UNKNOWN, detect=_never, checks=_unrecognised)


def is_letter(text: LetterText) -> bool:
    """Does the text carry the markers of any registered layout (is it an IMR letter at all)?"""
    return any(layout.markers.search(text.text) for layout in registered())


def choose(text: LetterText) -> Layout:
    """The registered layout with the highest detection score, or the fallback if none scores."""
    best, top = None, 0.0
    for layout in registered():
        score = layout.score(text)
        if score > top:
            best, top = layout, score
    return best or fallback()
