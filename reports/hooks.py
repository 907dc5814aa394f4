"""What reports tells the lower layers (``dxcommunity.registry``), registered in ``ReportsConfig.ready``:
the generated documents (PDF) shown on the diagnosis result, track and plan pages."""

from __future__ import annotations

from dxcommunity import registry


def register() -> None:
    """Register ``documents.for_company(company=, kind=)`` (the company's latest documents of a kind, a list)
    and ``documents.for_diagnosis(diagnosis=)`` (``{"diagnosis_result": [...], "advice": [...]}``)."""
    from reports.documents.selectors import documents_for_company, documents_for_diagnosis

    registry.provide("documents.for_company", documents_for_company)
    registry.provide("documents.for_diagnosis", documents_for_diagnosis)
