"""English UI: every page in Japanese and English.

Japanese is the default language and the msgids are the Japanese text; ``locale/en/LC_MESSAGES/django.po``
holds the English, compiled into the committed ``django.mo`` (machines without gettext get English too).
The language is chosen by the ``django_language`` cookie (``set_language``), the URL stays the same.

Checked here: English pages contain English text and none of a list of Japanese UI strings; the catalog
is complete (every msgid in the source is translated, nothing fuzzy or empty, placeholders kept) and the
committed .mo is the compiled .po. After changing UI text run
``manage.py makemessages -l en --ignore=.venv --ignore=node_modules --ignore=staticfiles --ignore=tests``,
translate the new entries and run ``manage.py compilemessages --ignore=.venv``.
"""

from __future__ import annotations

import ast
import datetime as dt
import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation.template import templatize

from diagnosis.services import diagnosis_start
from programs.models import Event
from tests.accompaniment.factories import enroll, log_first_session

LOCALE_DIR = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"
PO_PATH = LOCALE_DIR / "django.po"
MO_PATH = LOCALE_DIR / "django.mo"
SOURCE_DIRS = ("dxcommunity", "programs", "diagnosis", "accompaniment", "matching", "reports")
PLACEHOLDER = re.compile(r"%\(\w+\)[sdif]|%%")
# Japanese UI text that must not be left on an English page (data such as names may stay Japanese).
JAPANESE_UI = (
    "ログアウト",
    "支援先企業",
    "ホーム",
    "イベント",
    "マッチング",
    "下書き保存",
    "提出する",
    "ログイン",
)


def url(name: str, *args) -> str:
    return reverse(name, args=["dx", *args])


@pytest.fixture
def en(client):
    """The test client with the language cookie set to English (what the language switch sets)."""

    def _as(user=None):
        if user is not None:
            client.force_login(user)
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        return client

    return _as


def assert_english(html: str, *english: str, japanese: tuple[str, ...] = JAPANESE_UI) -> None:
    for text in english:
        assert text in html, f"English text {text!r} missing"
    for text in japanese:
        assert text not in html, f"untranslated Japanese UI text {text!r} on an English page"


# ---------------------------------------------------------------------------------------------- pages


def test_dashboard_in_english_and_japanese_by_default(cast, login, en):
    japanese = login(cast.itc).get(url("companies:home")).content.decode()
    assert "ログアウト" in japanese and "支援先企業" in japanese and ">English</button>" in japanese

    html = en(cast.itc).get(url("companies:home")).content.decode()
    assert '<html lang="en">' in html
    assert_english(html, "Home", "Companies", "Events", "Matching", "Log out", ">日本語</button>")


def test_language_switch_keeps_the_url(cast, login):
    client = login(cast.itc)
    dashboard = url("companies:home")
    response = client.post(reverse("set_language"), {"language": "en", "next": dashboard})
    assert response.status_code == 302 and response["Location"] == dashboard
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert_english(client.get(dashboard).content.decode(), "Log out")

    client.post(reverse("set_language"), {"language": "ja", "next": dashboard})
    assert "ログアウト" in client.get(dashboard).content.decode()


def test_browser_language_decides_without_the_cookie(db, client):
    login_url = reverse("account_login")
    assert "Log in" in client.get(login_url, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "ログイン" in client.get(login_url, HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9").content.decode()
    assert "ログイン" in client.get(login_url).content.decode()  # no preference: Japanese


def test_login_page_in_english(db, en):
    html = en().get(reverse("account_login")).content.decode()
    assert_english(html, "Log in", "Password", "Forgot your password?", japanese=("ログイン", "パスワード"))


def test_diagnosis_edit_in_english(cast, en):
    diagnosis = diagnosis_start(company=cast.company, user=cast.company_user)
    html = en(cast.company_user).get(url("diagnosis:edit", diagnosis.pk)).content.decode()
    assert_english(
        html,
        "DX self-diagnosis (DX Promotion Index)",
        "Save draft",
        "Submit",
        "Target (3 years)",
        "(optional)",
        japanese=(*JAPANESE_UI, "目標（3年後）", "根拠・エビデンス", "（任意）"),
    )
    # The maturity level names and item titles are the official Japanese index data: they stay Japanese.
    assert "未着手" in html


def test_track_and_plan_in_english(cast, en):
    track = enroll(cast)
    log_first_session(cast, track)
    client = en(cast.itc)

    html = client.get(url("accompaniment:track", cast.company.pk)).content.decode()
    assert_english(
        html,
        "Accompaniment track (10 sessions)",
        "<strong>1/10</strong> sessions",
        "Session 1",
        "Management philosophy and mission",  # a standard session theme, shown in the reader's language
        "View the log",
        "伴走 一郎 (Track leader (ITC))",  # attendee name (data) with its role in English, ASCII parentheses
        japanese=(*JAPANESE_UI, "伴走支援", "第1回", "記録を見る", "経営理念、ミッション確認", "（", "、"),
    )

    html = client.get(url("plan:detail", cast.company.pk)).content.decode()
    assert_english(
        html,
        "DX plan",
        "Edit",
        "Target values (KPIs)",
        "(session 4)",
        "Not filled in",
        japanese=(*JAPANESE_UI, "DX推進計画書", "未記入", "第4回"),
    )


def test_dates_in_english_are_not_japanese_formats(cast, login, en):
    Event.objects.create(
        consortium=cast.consortium,
        program=cast.program,
        kind=Event.Kind.AWARENESS_SEMINAR,
        title="DX気づきセミナー",
        starts_at=timezone.make_aware(dt.datetime(2022, 7, 15, 14, 0)),
        on_demand_from=dt.date(2022, 7, 20),
        on_demand_until=dt.date(2022, 8, 5),
    )
    japanese = login(cast.company_user).get(url("companies:event_list")).content.decode()
    assert "2022/7/15 (金) 14:00" in japanese and "7/20〜8/5" in japanese

    html = en(cast.company_user).get(url("companies:event_list")).content.decode()
    assert "Fri, Jul 15, 2022 14:00" in html and "Jul 20 – Aug 5" in html
    assert "2022/7/15" not in html and "〜" not in html and "(金)" not in html


def test_pdf_documents_are_japanese_even_for_an_english_reader(cast, monkeypatch):
    """A Celery worker has no request language: documents are always rendered in Japanese."""
    from reports.documents import rendering
    from reports.models import GeneratedDocument

    enroll(cast)
    rendered = {}

    def capture(template_name, context=None, *args, **kwargs):
        rendered["html"] = render_to_string(template_name, context, *args, **kwargs)
        return rendered["html"]

    monkeypatch.setattr(rendering, "render_to_string", capture)  # the HTML that WeasyPrint turns into the PDF
    document = GeneratedDocument.objects.create(
        consortium=cast.consortium, company=cast.company, kind=GeneratedDocument.Kind.DX_PLAN
    )
    with translation.override("en"):
        rendering.document_render(document=document)
    assert "DX推進計画書" in rendered["html"] and "伴走支援リーダ" in rendered["html"]
    assert "DX plan" not in rendered["html"] and "Track leader" not in rendered["html"]


# -------------------------------------------------------------------------------------------- catalog


def _unquote(line: str) -> str:
    return ast.literal_eval(line)  # PO strings use C escapes (\n, \", \\), which Python reads alike


def parse_po(path: Path) -> list[dict]:
    """Entries of a .po file: {"msgctxt", "msgid", "msgid_plural", "msgstr": {index: text}, "fuzzy"}.

    The header entry (msgid "") is included; obsolete entries (``#~``) are skipped.
    """
    entries: list[dict] = []
    entry: dict | None = None
    key: tuple | None = None
    flags: set[str] = set()
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#~"):
            continue
        if line.startswith("#,"):
            flags |= {f.strip() for f in line[2:].split(",")}
            continue
        if line.startswith("#"):
            continue
        if line.startswith('"'):
            assert entry is not None and key is not None, f"stray string line: {raw!r}"
            if key[0] == "msgstr":
                entry["msgstr"][key[1]] += _unquote(line)
            else:
                entry[key[0]] += _unquote(line)
            continue
        word, _space, rest = line.partition(" ")
        if word in ("msgctxt", "msgid") and (entry is None or entry["msgstr"]):
            entry = {
                "msgctxt": None,
                "msgid": "",
                "msgid_plural": None,
                "msgstr": {},
                "fuzzy": "fuzzy" in flags,
            }
            flags = set()
            entries.append(entry)
        assert entry is not None, f"unexpected line: {raw!r}"
        match = re.fullmatch(r"msgstr\[(\d+)\]", word)
        if match:
            key = ("msgstr", int(match.group(1)))
            entry["msgstr"][key[1]] = _unquote(rest)
        elif word == "msgstr":
            key = ("msgstr", 0)
            entry["msgstr"][0] = _unquote(rest)
        else:
            key = (word,)
            entry[word] = _unquote(rest)
    return entries


def catalog_entries() -> list[dict]:
    return [e for e in parse_po(PO_PATH) if e["msgid"]]


def test_po_has_no_fuzzy_or_empty_entries():
    header = parse_po(PO_PATH)[0]
    assert header["msgid"] == "" and not header["fuzzy"], "the header is still marked fuzzy"
    problems = [
        e["msgid"]
        for e in catalog_entries()
        if e["fuzzy"] or not all(s.strip() for s in e["msgstr"].values())
    ]
    assert not problems, f"fuzzy or untranslated entries in {PO_PATH.name}: {problems}"


def test_translations_keep_placeholders():
    problems = []
    for e in catalog_entries():
        wanted = sorted(set(PLACEHOLDER.findall(e["msgid"])))
        problems += [
            (e["msgid"], s) for s in e["msgstr"].values() if sorted(set(PLACEHOLDER.findall(s))) != wanted
        ]
    assert not problems


def test_translations_are_english():
    japanese = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
    # Kept on purpose: 令和 years, and literal Japanese text in “quotes” (sheet names and values of the
    # IPA Excel format that the user sees or types as they are).
    allowed = re.compile(r"令和\d+年度|“[^”]*”")
    leftovers = [
        (e["msgid"], s)
        for e in catalog_entries()
        for s in e["msgstr"].values()
        if japanese.search(allowed.sub("", s))
    ]
    assert not leftovers


def test_compiled_mo_matches_po():
    """The committed .mo is the compiled .po (no stale build): same keys, same translations."""
    with MO_PATH.open("rb") as fh:
        catalog = gettext.GNUTranslations(fh)._catalog  # noqa: SLF001 - the parsed .mo contents
    expected = {}
    for e in catalog_entries():
        key = e["msgid"] if e["msgctxt"] is None else f"{e['msgctxt']}\x04{e['msgid']}"
        if e["msgid_plural"] is None:
            expected[key] = e["msgstr"][0]
        else:
            expected.update({(key, i): s for i, s in e["msgstr"].items()})
    compiled = {k: v for k, v in catalog.items() if k != ""}
    stale = {k for k in expected.keys() | compiled.keys() if expected.get(k) != compiled.get(k)}
    assert not stale, f"django.mo is out of date (run compilemessages): {sorted(map(str, stale))[:10]}"


GETTEXT_FUNCS = {
    "_": (None, 0, None),
    "gettext": (None, 0, None),
    "gettext_lazy": (None, 0, None),
    "gettext_noop": (None, 0, None),
    "ngettext": (None, 0, 1),
    "ngettext_lazy": (None, 0, 1),
    "pgettext": (0, 1, None),
    "pgettext_lazy": (0, 1, None),
    "npgettext": (0, 1, 2),
    "npgettext_lazy": (0, 1, 2),
}


def _python_msgids(path: Path) -> set[tuple[str | None, str]]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        if name not in GETTEXT_FUNCS:
            continue
        ctx_i, id_i, _plural_i = GETTEXT_FUNCS[name]
        args = node.args
        if (
            len(args) <= id_i
            or not isinstance(args[id_i], ast.Constant)
            or not isinstance(args[id_i].value, str)
        ):
            continue
        ctx = args[ctx_i].value if ctx_i is not None and isinstance(args[ctx_i], ast.Constant) else None
        found.add((ctx, args[id_i].value))
    return found


TEMPLATE_CALL = re.compile(
    r"\b(n?p?gettext)\(((?:u?'(?:[^'\\]|\\.)*'\s*,?\s*)+)",
)
PY_STRING = re.compile(r"u?'(?:[^'\\]|\\.)*'")


def _template_msgids(path: Path) -> set[tuple[str | None, str]]:
    found = set()
    for func, args in TEMPLATE_CALL.findall(templatize(path.read_text(encoding="utf-8"))):
        strings = [ast.literal_eval(s.lstrip("u")) for s in PY_STRING.findall(args)]
        if func.startswith(("pgettext", "npgettext")):
            found.add((strings[0], strings[1]))
        else:
            found.add((None, strings[0]))
    return found


def test_every_translatable_string_is_in_the_catalog():
    base = Path(settings.BASE_DIR)
    source: set[tuple[str | None, str]] = set()
    for folder in SOURCE_DIRS:
        for path in (base / folder).rglob("*.py"):
            if "migrations" not in path.parts:
                source |= _python_msgids(path)
    for path in (base / "templates").rglob("*"):
        if path.suffix in (".html", ".txt"):
            source |= _template_msgids(path)
    assert len(source) > 300  # the extraction itself works
    in_po = {(e["msgctxt"], e["msgid"]) for e in catalog_entries()}
    missing = sorted(source - in_po, key=str)
    assert not missing, f"not in {PO_PATH.name} (run makemessages and translate): {missing[:20]}"
