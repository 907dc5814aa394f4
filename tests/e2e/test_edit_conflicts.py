"""The self-diagnosis open in two tabs, in a real browser: the stale tab's autosave says it did not save
(instead of 「自動保存しました」) and offers the comparison; the other tab keeps autosaving and submits."""

from __future__ import annotations

import re

from django_scopes import scopes_disabled
from playwright.sync_api import expect

from diagnosis.models import Diagnosis, DiagnosisAnswer
from diagnosis.services import diagnosis_start
from tests.conftest import PASSWORD
from tests.e2e.conftest import login_as


def test_autosave_conflict_between_two_tabs_is_shown_in_the_page(cast, live_server, browser):
    with scopes_disabled():
        diagnosis = diagnosis_start(company=cast.company, user=cast.company_user)
    edit = f"{live_server.url}/c/dx/diagnosis/{diagnosis.pk}/edit/"
    context = browser.new_context(locale="ja-JP", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    try:
        tab1 = context.new_page()
        login_as(tab1, live_server, cast.company_user.email, PASSWORD)
        tab1.goto(edit)
        tab2 = context.new_page()  # the same member, a second tab (same session)
        tab2.goto(edit)
        status1, status2 = tab1.locator("#autosave-status"), tab2.locator("#autosave-status")

        tab1.check("input[name='current_1'][value='3']")
        expect(status1).to_contain_text("自動保存しました")
        # Tab 2 still shows item 1 unanswered: its autosave must not erase tab 1's answer.
        tab2.fill("textarea[name='evidence_2']", "タブ2の根拠")
        tab2.locator("textarea[name='evidence_2']").dispatch_event("change")
        expect(status2).to_contain_text("自動保存していません")
        expect(status2).not_to_contain_text("自動保存しました")
        with scopes_disabled():
            assert DiagnosisAnswer.objects.get(diagnosis=diagnosis, item__code="1").current == 3
            assert DiagnosisAnswer.objects.get(diagnosis=diagnosis, item__code="2").evidence == ""

        # 「比べて選ぶ」: the page with both versions side by side, the typed text kept.
        status2.get_by_role("button", name="比べて選ぶ").click()
        expect(tab2.locator("#edit-conflict")).to_contain_text("ほかの人が先に保存しました")
        expect(tab2.locator("#edit-conflict")).to_contain_text("タブ2の根拠")
        expect(tab2.locator("textarea[name='evidence_2']")).to_have_value("タブ2の根拠")

        # Tab 1 autosaves again (its version moved on with each answer) and its 「下書き保存」 goes through.
        tab1.check("input[name='target_1'][value='4']")
        expect(status1).to_contain_text("自動保存しました")
        tab1.get_by_role("button", name="下書き保存").click()
        expect(tab1.locator(".messages")).to_contain_text("下書きを保存しました。")
        expect(tab1.locator("#edit-conflict")).to_have_count(0)
        with scopes_disabled():
            answer = DiagnosisAnswer.objects.get(diagnosis=diagnosis, item__code="1")
            assert (answer.current, answer.target) == (3, 4)
            assert Diagnosis.objects.get(pk=diagnosis.pk).status == Diagnosis.Status.DRAFT
        assert re.search(r"/diagnosis/\d+/edit/?$", tab1.url)
    finally:
        context.close()
