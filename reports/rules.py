"""Named permissions for reports (django-rules): the dashboard and the 実績報告書.

Object-free rules on the acting membership (``rules.test_rule(name, membership)``):

- ``reports.view_dashboard``: coordinator, regional coordinator (its region's figures); others get 403.
- ``reports.view_results``: an active coordinator or regional coordinator; others get 404 (the results
  report is not theirs to see).
- ``reports.request_results``: coordinator, regional coordinator (``results_report_request``).
- ``reports.view_every_result``: the coordinator sees every company and every results document; a
  regional coordinator only its region's (``reports.documents.selectors``).

Company documents (PDFs) follow the company's perms (``diagnosis.view_company_diagnosis``,
``accompaniment.view_plan``, …) through ``dxcommunity.access``.
"""

from __future__ import annotations

import rules

from dxcommunity.access.rules import acts_as_coordinator, acts_as_secretariat, is_active_membership

rules.add_rule("reports.view_dashboard", acts_as_secretariat)
rules.add_rule("reports.view_results", is_active_membership & acts_as_secretariat)
rules.add_rule("reports.request_results", acts_as_secretariat)
rules.add_rule("reports.view_every_result", acts_as_coordinator)
