"""これまでの支援（履歴） (``companies:history``) × every role × own tenant / other tenant / anonymous.

Object: cast.company (茨城, 常陽銀行's client, recommended by 茨城県経営者協会) with a submitted diagnosis.
The page answers whoever sees the company (as the company page): the coordinators of its region, the
region's ITC (stage level), its bank, the recommending association (stage level) and its members; 404 for
everyone else. What each one sees on it: tests/programs/test_company_history.py.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.conftest import MATRIX_ROLES
from tests.diagnosis.factories import submitted_diagnosis
from tests.matrix import call, check_roles
from tests.programs.test_permission_matrix import COMPANY_VISIBLE

pytestmark = pytest.mark.django_db

ROLES = MATRIX_ROLES
MATRIX: dict[str, tuple[str, dict[str, int]]] = {"companies:history": ("get", COMPANY_VISIBLE)}
CSRF_GET_ONLY: set[str] = {"companies:history"}
# A page of one company: 常陽銀行 reads its client's history (200) and gets 404 for another bank's client.
BANK_PAGES = {"companies:history": ("get", lambda o: {"pk": o.company.pk}, None, 200)}


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_permission_matrix(cast, name):
    method, expected = MATRIX[name]
    submitted_diagnosis(cast)

    def request(client, role):
        url = reverse(name, kwargs={"consortium_slug": cast.consortium.slug, "pk": cast.company.pk})
        return call(client, method, url)

    check_roles(cast, f"{method.upper()} {name}", expected, request, roles=ROLES)
