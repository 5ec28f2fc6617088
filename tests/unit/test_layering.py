"""Every import in backend/ points down the layering, so no domain depends on one above it.

The layers, bottom to top:

* the foundation: ``settings``, ``sqlite_gate``, ``db``, ``clock``, ``errors``, ``events``,
  ``security``, ``audit``, ``kinds``, ``pagination``, ``routing``, ``queue``, ``broker_files``,
  ``pg_pool``, ``email_addresses`` (and the package's ``__init__``) import nothing above the
  foundation;
* the domains, each importing only the foundation and the domains below it:
  accounts → orgs → projects → invites → items → assignments → consensus → review →
  datamanager → (lots, pay, models, labels, corrections) → exports. Review sits below the data
  manager because the item table shows and filters the states review stores (in review,
  reviewed, rework); review imports nothing of the data manager, lots, pay or models. Lots, pay
  and models share one tier: they talk to each other through events, not imports;
* the entry points that only collect (the app factory and its router, the CLI, the Celery
  wiring, the demo, the migration runner, health, the API reference): ``api``, ``api_docs``,
  ``app``, ``all_models``, ``cli``, ``demo``, ``health``, ``migrate``, ``serving``, ``wiring``
  may import anything.

Imports inside functions count as well: a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

from support.fixtures import REPO_ROOT

BACKEND = REPO_ROOT / "backend"

FOUNDATION = frozenset(
    {
        "__init__",
        "settings",
        "sqlite_gate",
        "db",
        "clock",
        "errors",
        "events",
        "security",
        "audit",
        "kinds",
        "pagination",
        "routing",
        "queue",
        "broker_files",
        "pg_pool",
        "bounded_ids",  # ids no row can have: 422
        "unavailable",  # 503 while the database or broker is down
        "operations",  # request ids, security headers: no domain below them
        "body_limit",  # every request body bounded
        "strict_input",  # request bodies read as standard JSON, no NUL in queries
        "email_addresses",  # the e-mail type of every schema, and its refusal's stable type
    }
)
DOMAINS: tuple[frozenset[str], ...] = (
    frozenset({"accounts"}),
    frozenset({"orgs"}),
    frozenset({"projects"}),
    frozenset({"invites"}),  # an invitation joins an org and puts people on project lists
    frozenset({"items"}),
    frozenset({"assignments"}),
    frozenset({"consensus"}),
    frozenset({"review"}),
    # The item table's filters are what a lot can be made of, so lots may import them.
    frozenset({"datamanager"}),
    frozenset({"lots", "pay", "models", "labels", "corrections"}),
    frozenset({"exports"}),
)
ENTRY_POINTS = frozenset(
    {
        "api",
        "api_docs",
        "app",
        "all_models",
        "cli",
        "demo",
        "health",
        "migrate",
        "serving",
        "wiring",
    }
)


def _rank(part: str) -> int | None:
    """0 for the foundation, 1.. for the domains bottom up, None for an entry point."""
    if part in FOUNDATION:
        return 0
    for tier, names in enumerate(DOMAINS, start=1):
        if part in names:
            return tier
    assert part in ENTRY_POINTS, f"backend/{part} is in no layer: add it to test_layering.py"
    return None


def _part_of(path: Path) -> str:
    """The top-level module or package of backend/ that ``path`` belongs to."""
    first = path.relative_to(BACKEND).parts[0]
    return first.removesuffix(".py")


def _imported_parts(source: str, *, package: str) -> set[str]:
    """The top-level parts of backend/ that ``source`` imports (absolute or relative)."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolved against the importing package
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            modules = (
                [f"{base}.{alias.name}" for alias in node.names] if base == "backend" else [base]
            )
        else:
            continue
        for module in modules:
            parts = module.split(".")
            if parts[0] == "backend" and len(parts) > 1:
                found.add(parts[1] if _is_module(parts[1]) else "__init__")
    return found


def _is_module(name: str) -> bool:
    """Whether ``backend.<name>`` is a module or package (not a name in backend/__init__)."""
    return (BACKEND / name).is_dir() or (BACKEND / f"{name}.py").is_file()


def _violations(part: str, imported: set[str]) -> list[str]:
    rank = _rank(part)
    if rank is None:
        return []
    wrong = []
    for other in sorted(imported - {part}):
        other_rank = _rank(other)
        if other_rank is None or other_rank > rank or (other_rank == rank and rank > 0):
            wrong.append(other)
    return wrong


def _module_name(path: Path) -> str:
    relative = path.relative_to(REPO_ROOT).with_suffix("")
    parts = relative.parts[:-1] if relative.name == "__init__" else relative.parts
    return ".".join(parts)


def test_every_import_in_backend_points_down_the_layers() -> None:
    problems = []
    files = sorted(BACKEND.rglob("*.py"))
    assert len(files) > 100
    for path in files:
        package = _module_name(path) if path.name == "__init__.py" else _module_name(path.parent)
        imported = _imported_parts(path.read_text(encoding="utf-8"), package=package)
        for other in _violations(_part_of(path), imported):
            problems.append(f"{path.relative_to(REPO_ROOT)} imports backend.{other}")
    assert problems == []


def test_accounts_imports_nothing_of_the_domains_above_it() -> None:
    """The issue's own check: ``/me`` (memberships) left accounts for orgs."""
    imported: set[str] = set()
    for path in (BACKEND / "accounts").rglob("*.py"):
        imported |= _imported_parts(path.read_text(encoding="utf-8"), package="backend.accounts")
    assert imported <= FOUNDATION | {"accounts"}, sorted(imported)
    assert "security" in imported and "db" in imported  # the walk does see its real imports


def test_the_check_catches_an_upward_or_sideways_import() -> None:
    upward = "from backend.orgs.service import list_orgs_of\n"
    lazy = "def f():\n    from backend.consensus import scheduling\n"
    relative = "from ..exports import build\n"
    assert _violations("accounts", _imported_parts(upward, package="backend.accounts")) == ["orgs"]
    assert _violations("items", _imported_parts(lazy, package="backend.items")) == ["consensus"]
    assert _violations("consensus", _imported_parts(relative, package="backend.consensus")) == [
        "exports"
    ]
    assert _violations("db", {"projects", "settings"}) == ["projects"]
    assert _violations("review", {"pay", "consensus", "events"}) == ["pay"]
    assert _violations("exports", {"consensus", "review", "kinds"}) == []
    assert _violations("wiring", {"consensus", "exports"}) == []
