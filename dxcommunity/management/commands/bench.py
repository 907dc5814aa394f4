"""``manage.py bench``: the benchmarks (dxcommunity.bench.command)."""

from dxcommunity.bench.command import Command

__all__ = ["Command"]
