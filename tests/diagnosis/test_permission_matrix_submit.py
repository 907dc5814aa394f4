"""Permission matrix of the 提出 confirmation page (``diagnosis:submit``): every role × own tenant / other
tenant / anonymous, on a complete draft of cast.company (made fresh for every role).

Who may submit is who may fill the diagnosis: its company's members. Supporters who see the diagnosis
(coordinator, its main bank) get 403; everyone else 404 (not visible); anonymous the login page.
"""

from __future__ import annotations

import pytest
from django.urls import reverse

from diagnosis.models import Diagnosis
from diagnosis.services import diagnosis_save_draft, diagnosis_start
from tests.conftest import MATRIX_ROLES
from tests.diagnosis.factories import all_answers
from tests.matrix import call, check_roles
from tests.tables import Case

pytestmark = pytest.mark.django_db

ROLES = MATRIX_ROLES
NONE = {r: 404 for r in ROLES} | {"anonymous": 302}
SEE_NOT_FILL = {"coordinator": 403, "regional_coordinator": 403, "bank_user": 403}  # 茨城

MATRIX: dict[str, tuple[str, dict[str, int]]] = {
    # GET: the confirmation page; POST: submitted, then the result page.
    "diagnosis:submit": ("post", NONE | SEE_NOT_FILL | {"company_user": 302}),
    "diagnosis:submit#get": ("get", NONE | SEE_NOT_FILL | {"company_user": 200}),
}


def complete_draft(cast) -> Diagnosis:
    Diagnosis.objects.filter(company=cast.company, status=Diagnosis.Status.DRAFT).delete()
    diagnosis = diagnosis_start(company=cast.company, user=cast.company_user)
    diagnosis_save_draft(
        diagnosis=diagnosis,
        user=cast.company_user,
        answers=all_answers(diagnosis.edition),
        meta={"advice_mode": Diagnosis.AdviceMode.ONLINE},
    )
    return diagnosis


@pytest.mark.parametrize("name", sorted(MATRIX))
def test_permission_matrix(cast, name):
    method, expected = MATRIX[name]
    drafts: dict[str, Diagnosis] = {}

    def request(client, role):
        drafts[role] = diagnosis = complete_draft(cast)
        url = reverse("diagnosis:submit", kwargs={"consortium_slug": "dx", "pk": diagnosis.pk})
        return call(client, method, url)

    def submitted_only_by_its_member(role, response) -> str | None:
        diagnosis = drafts[role]
        diagnosis.refresh_from_db()
        submitted = diagnosis.status == Diagnosis.Status.SUBMITTED
        if submitted != (method == "post" and role == "company_user"):
            return f"submitted={submitted}"
        return None

    check_roles(
        cast, f"{method.upper()} {name}", expected, request, roles=ROLES, check=submitted_only_by_its_member
    )


# --- rows for the cross-cutting tables (tests/tables.py) ---------------------------------------------------

CSRF_POST_URLS = {
    # The CSRF world's draft is empty: with the token the page sends the member back to the form (302).
    "diagnosis:submit": Case("company_user", lambda w: {"pk": w.draft.pk}),
}
# The bank rule: its own client's submitted diagnosis is visible but not its to submit (403).
BANK_PAGES = {
    "diagnosis:submit": ("get", lambda o: {"pk": o.diagnosis.pk}, None, 403),
}
