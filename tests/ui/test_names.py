"""One person-name formatter (dxcommunity.ui.names) and its template filter."""

from __future__ import annotations

from types import SimpleNamespace

from django.template import Context, Template

from dxcommunity.ui.names import person_name, person_with_organization


def user(last="", first="", email="", username=""):
    return SimpleNamespace(last_name=last, first_name=first, email=email, get_username=lambda: username)


def test_family_name_first_then_the_email_then_the_username():
    assert person_name(user("伴走", "一郎", "ichiro@example.jp")) == "伴走 一郎"
    assert person_name(user("伴走", "", "ichiro@example.jp")) == "伴走"
    assert person_name(user(email="ichiro@example.jp")) == "ichiro@example.jp"
    assert person_name(user(username="ichiro")) == "ichiro"
    assert person_name(None) == ""


def test_with_organization_for_choice_lists():
    assert person_with_organization(user("伴走", "一郎"), "茨城ITC") == "伴走 一郎（茨城ITC）"
    assert person_with_organization(user("伴走", "一郎"), "") == "伴走 一郎"


def test_the_person_template_filter():
    html = Template("{% load names %}{{ u|person }}").render(Context({"u": user("伴走", "一郎")}))
    assert html == "伴走 一郎"
