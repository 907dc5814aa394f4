"""``manage.py load_demo``: the FY2022 demo program (dxcommunity.demo.loader)."""

from dxcommunity.demo.loader import Command

__all__ = ["Command"]
