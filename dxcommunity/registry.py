"""Hooks a lower layer asks and a higher app fills in, from its ``AppConfig.ready()``.

Imports only run down the journey (base < programs < diagnosis < accompaniment < matching < reports). Where a
lower layer needs to know about a higher one — access needs "who is assigned to this company", the company
page
shows each app's panel, the home page shows what each app has waiting — the higher app registers a provider
under a hook name and the lower layer asks the registry, as Django's admin autodiscovery does.

Hook names and what a provider returns are documented where they are asked (``dxcommunity.access`` for the
``access.*`` hooks, ``programs.companies`` for ``companies.*`` and ``home.*`` (``companies.history``:
``programs.companies.history``), ``diagnosis.history`` for ``diagnosis.sessions_by_item``,
``programs.recruitment`` for ``selection.*``, ``programs.events`` for ``programs.copy*``, the diagnosis and
accompaniment views for ``documents.*``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

_providers: dict[str, list[Callable[..., Any]]] = defaultdict(list)


def provide(hook: str, provider: Callable[..., Any]) -> None:
    """Register ``provider`` under ``hook`` (once: registering the same function again is a no-op)."""
    if provider not in _providers[hook]:
        _providers[hook].append(provider)


def providers(hook: str) -> list[Callable[..., Any]]:
    """The providers of ``hook`` in registration order (INSTALLED_APPS order); [] when none is registered."""
    return list(_providers.get(hook, ()))


def ask(hook: str, *args: Any, **kwargs: Any) -> list[Any]:
    """Call every provider of ``hook`` with the arguments; their results in registration order."""
    return [provider(*args, **kwargs) for provider in providers(hook)]


def ask_one(hook: str, *args: Any, default: Any = None, **kwargs: Any) -> Any:
    """The result of the single provider of ``hook``, or ``default`` when no app provides it.

    Raises ``RuntimeError`` when more than one provider is registered (a hook meant to have one answer).
    """
    found = providers(hook)
    if not found:
        return default
    if len(found) > 1:
        raise RuntimeError(f"hook {hook!r} has {len(found)} providers; expected one")
    return found[0](*args, **kwargs)
