"""The house rules, checked: apps import one way (the table in docs/architecture.md), no file
imports itself through others (no circles), imports sit at the top of a module (inside a function
only where Django requires it), the pure cores import no Django, and templates load tag libraries
and include templates only of their own app or apps below it."""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
ARCHITECTURE = REPO / "docs" / "architecture.md"
# Imports inside a function, each with why it cannot be at the top (file, function) -> reason.
FUNCTION_IMPORTS = {
    ("imr_kb/apps.py", "ready"): "Django's documented place to register system checks (AppConfig.ready)",
}
# Pure-Python cores: no Django, and of the project only other pure cores.
PURE = [
    "cases/parser",
    "guidelines/linker",
    "procedures/taxonomy",
    "search/facets.py",
    "search/backends/base.py",
    "search/highlight.py",
    "search/stats.py",
    "analytics/distribution.py",
    "analytics/svg.py",
]


def declared() -> dict[str, set[str]]:
    """app -> apps it may import, from the ```dependencies block of docs/architecture.md."""
    block = re.search(r"```dependencies\n(.*?)```", ARCHITECTURE.read_text(encoding="utf-8"), re.S)
    assert block, f"{ARCHITECTURE} has no ```dependencies block"
    rules = {}
    for line in block.group(1).splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            app, _, below = line.partition(":")
            rules[app.strip()] = set(below.split())
    return rules


RULES = declared()
APPS = list(RULES)


def python_files():
    for app in APPS:
        for path in sorted((REPO / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield app, path


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def statements(path: Path):
    """(module, names imported from it or None, line, enclosing function or None) per import."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    functions = {}
    for fn in ast.walk(tree):
        if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for node in ast.walk(fn):
                functions.setdefault(id(node), fn.name)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, None, node.lineno, functions.get(id(node))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                target = ".".join(parts[: len(parts) - node.level + 1] + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            yield target, [alias.name for alias in node.names], node.lineno, functions.get(id(node))


def imports(path: Path):
    """(module imported, line, enclosing function or None) for each import of the file."""
    for target, _, line, function in statements(path):
        yield target, line, function


def test_the_declared_direction_has_no_cycle():
    seen, stack = set(), []

    def visit(app):
        assert app not in stack, f"docs/architecture.md declares a cycle: {' -> '.join(stack + [app])}"
        if app in seen:
            return
        stack.append(app)
        for lower in RULES.get(app, ()):
            visit(lower)
        stack.pop()
        seen.add(app)

    for app in APPS:
        visit(app)


def test_apps_import_only_the_apps_declared_below_them():
    wrong = []
    for app, path in python_files():
        for target, line, _ in imports(path):
            other = target.split(".")[0]
            if other in RULES and other != app and other not in RULES[app]:
                wrong.append(
                    f"{path.relative_to(REPO)}:{line} imports {target} ({app} may import: "
                    f"{', '.join(sorted(RULES[app])) or 'no other app'})"
                )
    assert not wrong, "imports against docs/architecture.md:\n" + "\n".join(wrong)


def test_no_file_imports_itself_through_others():
    modules = {module_name(path): path for _, path in python_files()}
    graph = defaultdict(set)
    for name, path in modules.items():
        for target, names, _, _ in statements(path):
            # "from search import sync" is an edge to the module search.sync, not to the package.
            submodules = [f"{target}.{n}" for n in names or [] if f"{target}.{n}" in modules]
            for other in submodules or ([target] if target in modules else []):
                if other != name:
                    graph[name].add(other)
    # Tarjan's strongly connected components: any with two or more files is a circle.
    index, low, on_stack, stack, circles = {}, {}, set(), [], []

    def connect(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1 and not _package_and_its_own_module(component):
                circles.append(sorted(component))

    for v in list(modules):
        if v not in index:
            connect(v)
    assert not circles, "files importing each other: " + "; ".join(" <-> ".join(c) for c in circles)


def _package_and_its_own_module(component: list[str]) -> bool:
    """A package's __init__ re-exporting its module, which imports a sibling through the package
    (search.backends -> search.backends.base -> search.facets is not a circle): Python resolves it."""
    return len(component) == 2 and (
        component[0].startswith(component[1] + ".") or component[1].startswith(component[0] + ".")
    )


def test_imports_are_at_the_top_of_the_module():
    inside = set()
    for _, path in python_files():
        for target, line, function in imports(path):
            if function is not None:
                inside.add((str(path.relative_to(REPO)), function, line, target.rsplit(".", 1)[0]))
    unexplained = sorted(
        f"{p}:{line} in {fn}(): import {t}" for p, fn, line, t in inside if (p, fn) not in FUNCTION_IMPORTS
    )
    assert not unexplained, "imports inside functions (move them to the top):\n" + "\n".join(unexplained)
    stale = set(FUNCTION_IMPORTS) - {(p, fn) for p, fn, _, _ in inside}
    assert not stale, f"FUNCTION_IMPORTS lists imports that are gone: {stale}"


@pytest.mark.parametrize("core", PURE)
def test_pure_cores_import_no_django_and_no_other_package(core):
    root = REPO / core
    files = [root] if root.suffix == ".py" else sorted(root.rglob("*.py"))
    own = core.removesuffix(".py").replace("/", ".")
    wrong = []
    for path in files:
        for target, line, _ in imports(path):
            top = target.split(".")[0]
            if top in ("django", "rest_framework", "celery") or (top in RULES and not _within(target, own)):
                wrong.append(f"{path.relative_to(REPO)}:{line} imports {target}")
    assert not wrong, f"{core} is a pure core (no Django, only other pure cores):\n" + "\n".join(wrong)


def _within(target: str, own: str) -> bool:
    pure = {core.removesuffix(".py").replace("/", ".") for core in PURE}
    return any(target == a or target.startswith(a + ".") for a in pure | {own})


# --- templates --------------------------------------------------------------------------------------

TEMPLATES = REPO / "templates"
TAG_LIBRARIES = {
    path.stem: app for app in APPS for path in (REPO / app / "templatetags").glob("*.py") if path.stem != "__init__"
}
BUILTIN_LIBRARIES = {"static", "humanize", "i18n", "l10n", "tz", "cache", "admin_urls", "admin_list", "log"}


def template_app(name: str) -> str:
    """The app a template belongs to: templates/<app>/...; the site's own (base.html, the error
    pages) belong to no app and may be used by all."""
    first = name.split("/")[0]
    return first if first in RULES and "/" in name else "site"


def test_templates_use_only_their_own_app_and_apps_below_it():
    wrong = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        name = str(path.relative_to(TEMPLATES))
        app = template_app(name)
        source = path.read_text(encoding="utf-8")
        for library in re.findall(r"{%\s*load\s+([\w ]+?)\s*%}", source):
            for lib in library.split():
                if lib in BUILTIN_LIBRARIES:
                    continue
                owner = TAG_LIBRARIES.get(lib)
                assert owner, f"{name} loads unknown tag library {lib!r}"
                if owner != app and (app == "site" or owner not in RULES[app]):
                    wrong.append(f"{name} loads {lib} ({owner})")
        for used in re.findall(r"{%\s*(?:include|extends)\s+[\"']([^\"']+)[\"']", source):
            owner = template_app(used)
            if owner not in ("site", app) and (app == "site" or owner not in RULES[app]):
                wrong.append(f"{name} uses {used} ({owner})")
    assert not wrong, "templates against docs/architecture.md:\n" + "\n".join(wrong)
