"""Two writers on the same program, event or selection decision: the second never silently overwrites
the first (the form's version is checked in the UPDATE)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from dxcommunity.concurrency import EditConflict
from programs.events import services as services_program
from programs.models import Event, Program, SelectionDecision
from programs.recruitment import services as services_recruitment
from tests.programs.test_program_events import event_post, make_event, program_post
from tests.programs.test_selection import apply
from tests.two_writers import browser, form_version


def url(name, **kwargs):
    return reverse(name, kwargs={"consortium_slug": "dx", **kwargs})


def test_program_second_writer_sees_the_conflict_and_the_first_save_is_kept(cast):
    tab1, tab2 = browser(cast.coordinator), browser(cast.coordinator)
    edit = url("programs:edit", pk=cast.program.pk)
    v1, v2 = form_version(tab1.get(edit)), form_version(tab2.get(edit))
    assert tab1.post(edit, program_post(cast, name="一人目の事業名", version=v1)).status_code == 302
    response = tab2.post(edit, program_post(cast, name="二人目の事業名", funder="二人目の主催", version=v2))
    assert response.status_code == 409
    html = response.content.decode()
    assert "ほかの人が先に保存しました" in html
    assert "一人目の事業名" in html and "二人目の事業名" in html and "二人目の主催" in html
    assert f'href="{edit}"' in html
    program = Program.objects.get(pk=cast.program.pk)
    assert program.name == "一人目の事業名" and program.funder == "経済産業省"
    assert form_version(response) == str(program.version)
    assert (
        tab2.post(edit, program_post(cast, name="二人目の事業名", version=form_version(response))).status_code
        == 302
    )
    assert Program.objects.get(pk=cast.program.pk).name == "二人目の事業名"


def test_program_regions_only_change_is_checked_too(cast):
    loaded = Program.objects.get(pk=cast.program.pk).version
    services_program.program_update(program=cast.program, data={"name": "一人目"}, version=loaded)
    with pytest.raises(EditConflict):
        services_program.program_update(program=cast.program, data={"regions": [cast.nagano]}, version=loaded)
    assert set(cast.program.regions.all()) == {cast.ibaraki, cast.nagano}


def test_event_second_writer_sees_the_conflict_and_the_first_save_is_kept(cast):
    event = make_event(cast)
    tab1, tab2 = browser(cast.coordinator), browser(cast.coordinator)
    edit = url("programs:event_edit", pk=event.pk)
    v1, v2 = form_version(tab1.get(edit)), form_version(tab2.get(edit))
    day = (dt.date.today() + dt.timedelta(days=20)).isoformat()
    first = event_post(title="一人目のセミナー", date=day, start_time="14:00", place="水戸会場", version=v1)
    assert tab1.post(edit, first).status_code == 302
    second = event_post(
        title="二人目のセミナー", date=day, start_time="15:00", place="つくば会場", version=v2
    )
    response = tab2.post(edit, second)
    assert response.status_code == 409
    html = response.content.decode()
    assert "一人目のセミナー" in html and "二人目のセミナー" in html and "つくば会場" in html
    event.refresh_from_db()
    assert (event.title, event.place) == ("一人目のセミナー", "水戸会場")
    with pytest.raises(EditConflict):
        services_program.event_update(event=event, data={"title": "x"}, version=int(v2))


def test_selection_decision_second_writer_sees_the_conflict_and_the_first_save_is_kept(cast):
    app = apply(cast, "水戸建設")
    tab1, tab2 = browser(cast.coordinator), browser(cast.coordinator)
    page = url("recruitment:selection", program_pk=cast.program.pk)
    save = url("recruitment:decision_save", program_pk=cast.program.pk)
    v1, v2 = form_version(tab1.get(page)), form_version(tab2.get(page))
    assert v1 == v2 == "0"
    first = {"application": app.pk, "decision": "accompaniment", "reasons": "一人目の理由", "version": v1}
    assert tab1.post(save, first).status_code == 302
    second = {"application": app.pk, "decision": "not_selected", "reasons": "二人目の理由", "version": v2}
    response = tab2.post(save, second)
    assert response.status_code == 409
    html = response.content.decode()
    assert "ほかの人が先に保存しました" in html and "一人目の理由" in html and "二人目の理由" in html
    assert "伴走支援" in html and "不選出" in html
    decision = SelectionDecision.objects.get()
    assert (decision.decision, decision.reasons) == ("accompaniment", "一人目の理由")
    # htmx: the row itself shows the conflict (an answer htmx swaps), nothing saved.
    row = tab2.post(save, second, HTTP_HX_REQUEST="true")
    assert row.status_code == 200 and "二人目の理由" in row.content.decode()
    assert "ほかの人が先に保存しました" in row.content.decode()
    assert SelectionDecision.objects.get().reasons == "一人目の理由"
    with pytest.raises(EditConflict):
        services_recruitment.selection_decide(
            program=cast.program,
            application=app,
            actor=cast.coordinator,
            decision="matching",
            reasons="x",
            version=0,
        )


def test_event_create_form_has_no_version(cast, login):
    html = (
        login(cast.coordinator).get(url("programs:event_create", program_pk=cast.program.pk)).content.decode()
    )
    assert 'name="version"' not in html
    assert Event.objects.count() == 0
