"""The kinds this process knows, by name: the one table every domain looks a kind up in."""

from __future__ import annotations

from backend.kinds.kind import Kind

KINDS: dict[str, Kind] = {}


class UnknownKind(KeyError):
    """A kind no module registered (a project row of a kind this server does not have)."""


def register_kind(kind: Kind) -> Kind:
    """Make ``kind`` known to every domain; a second kind of the same name is refused."""
    if kind.name in KINDS:
        raise ValueError(f"a kind named {kind.name!r} is registered already")
    KINDS[kind.name] = kind
    return kind


def unregister_kind(name: str) -> None:
    """Forget a kind registered from outside the package (a plug-in's or a test's)."""
    KINDS.pop(name, None)


def get_kind(name: str) -> Kind:
    try:
        return KINDS[name]
    except KeyError:
        raise UnknownKind(f"no kind named {name!r}; the kinds are {sorted(KINDS)}") from None
