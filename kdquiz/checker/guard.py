"""Guarding the checker's own namespaces against learner code, without importing torch.

Learner code runs in the same process as the hidden suite. A learner file that, when imported,
replaced `torch.allclose`, `support.expect_close` or a suite's helper (or swapped a function's
`__code__`) could make every check pass. Namespaces registered here are snapshotted before any
learner code runs; after each check the plugin compares them, fails the check if anything was
changed, and restores them.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from types import FunctionType, ModuleType
from typing import Any


class CheckFailure(AssertionError):
    """A failed check; its message is shown to the learner as is."""


_MISSING = object()
IGNORED = frozenset({"__warningregistry__"})
"""Names Python itself writes into a module's namespace (a warning raised from code in it)."""


def _fingerprint(value: Any) -> Any:
    """What must stay the same: the object itself, and a function's code and defaults."""
    if isinstance(value, FunctionType):
        return (value, value.__code__, value.__defaults__, value.__kwdefaults__)
    return value


class _Entry:
    """One watched namespace: its snapshot, and a copy of it for a fast identity check."""

    def __init__(self, label: str, obj: Any, allowed: Callable[[Any], bool]) -> None:
        self.label, self.obj, self.allowed = label, obj, allowed
        self.snapshot = {key: (value, _fingerprint(value)) for key, value in vars(obj).items()}
        self.remember()

    def remember(self) -> None:
        """Take the namespace as it is now as unchanged (after a full comparison found that)."""
        now = vars(self.obj)
        self.keys, self.values = list(now), list(now.values())
        self.functions = [
            f for value, f in self.snapshot.values() if isinstance(value, FunctionType)
        ]

    def unchanged(self) -> bool:
        """Cheap (C-level loops): every name still bound to the same object, every function
        still with the same code and defaults. False may still be harmless: compare in full."""
        now = vars(self.obj)
        return (
            len(now) == len(self.keys)
            and all(map(operator.is_, now, self.keys))
            and all(map(operator.is_, now.values(), self.values))
            and all(
                f.__code__ is code and f.__defaults__ is defaults and f.__kwdefaults__ is kw
                for f, code, defaults, kw in self.functions
            )
        )


class Guard:
    """Snapshots of namespaces (module or class dicts) that learner code must not change."""

    def __init__(self) -> None:
        self._entries: list[_Entry] = []

    def watch(self, label: str, obj: Any, allowed: Callable[[Any], bool] = lambda v: False) -> None:
        """Snapshot `vars(obj)` now; `allowed(new_value)` accepts changes made by the library
        itself (e.g. torch installing attributes lazily)."""
        if any(entry.obj is obj for entry in self._entries):
            return
        self._entries.append(_Entry(label, obj, allowed))

    def tampered(self) -> list[str]:
        """Names replaced, added or removed since they were watched (accepted changes aside)."""
        changed = []
        for entry in self._entries:
            if entry.unchanged():
                continue
            found = _changes(entry)
            if not found:
                entry.remember()
            changed += found
        return sorted(changed)

    def restore(self) -> None:
        """Put every watched name back as it was."""
        for entry in self._entries:
            obj, snapshot = entry.obj, entry.snapshot
            now = vars(obj)
            for key in list(now.keys() - snapshot.keys() - IGNORED):
                try:
                    delattr(obj, key)
                except (AttributeError, TypeError):
                    pass
            for key, (value, fingerprint) in snapshot.items():
                if isinstance(value, FunctionType):
                    _, code, defaults, kwdefaults = fingerprint
                    value.__code__, value.__defaults__ = code, defaults
                    value.__kwdefaults__ = kwdefaults
                if now.get(key, _MISSING) is not value:
                    setattr(obj, key, value)


def _changes(entry: _Entry) -> list[str]:
    """The full comparison; accepted changes become part of the snapshot."""
    changed = []
    now, snapshot = vars(entry.obj), entry.snapshot
    for key in (snapshot.keys() | now.keys()) - IGNORED:
        old = snapshot.get(key, (_MISSING, _MISSING))
        new = now.get(key, _MISSING)
        if _same(old[1], _fingerprint(new)):
            continue
        if new is not _MISSING and entry.allowed(new):
            snapshot[key] = (new, _fingerprint(new))
            continue
        changed.append(f"{entry.label}.{key}")
    return changed


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, tuple) and isinstance(b, tuple) and len(a) == len(b) == 4:
        return all(x is y for x, y in zip(a, b, strict=True))
    return a is b


GUARD = Guard()
"""The one guard of a checker process: support registers torch's namespaces, the plugin the
suites', support's and its own."""


def watch_module(module: ModuleType) -> None:
    GUARD.watch(module.__name__, module)
