"""The diagnosis panel of the company page (programs:company_detail)."""

from __future__ import annotations

from typing import Any


def company_panel_context(*, company, membership) -> dict[str, Any]:
    """Context for templates/diagnosis/_company_panel.html; {} hides the panel."""
    return {}
