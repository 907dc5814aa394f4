"""Tool database: Japanese search (normalization), filters, search_text maintenance, who may edit what."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dxcommunity.tenancy.models import MemberOrganization, Membership
from matching.models import Solution, SolutionCase
from matching.selectors import SolutionFilters, solutions_search
from matching.solutions.search import normalize, query_terms
from matching.solutions.services import solution_case_save, solution_save
from tests.conftest import add_member, make_user
from tests.matching.factories import membership, solution

pytestmark = pytest.mark.django_db


def url(name, **kwargs):
    return reverse(name, kwargs={"consortium_slug": "dx", **kwargs})


def names(cast, user=None, **filters) -> set[str]:
    m = membership(cast, user or cast.company_user)
    return {s.name for s in solutions_search(membership=m, filters=SolutionFilters(**filters))}


# --- normalization ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("ｸﾗｳﾄﾞ", "くらうど"),
        ("クラウド", "くらうど"),
        ("くらうど", "くらうど"),
        ("ＩｏＴ", "iot"),
        ("IoT センサー", "iotせんさー"),
        ("画像　解析", "画像解析"),
    ],
)
def test_normalize_folds_width_case_kana_and_spaces(text, folded):
    assert normalize(text) == folded


def test_query_terms_split_on_full_width_space_and_drop_duplicates():
    assert query_terms("IoT　ｾﾝｻｰ  iot") == ["iot", "せんさー"]
    assert query_terms("   ") == []


# --- search -------------------------------------------------------------------------------------------


@pytest.fixture
def catalogue(cast):
    solution(cast, "販売管理クラウド", keywords="在庫 受発注", it_subsidy_eligible=True, price_min=30000)
    solution(
        cast,
        "設備稼働監視IoT",
        category="iot",
        description="センサーで稼働を見える化",
        regions=[cast.ibaraki],
        price_min=100000,
        price_max=500000,
        vendor=cast.other_vendor,
    )
    solution(cast, "画像検査AI", category="image_analysis", regions=[cast.nagano], price_min=1000000)
    return cast


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("ｸﾗｳﾄﾞ", {"販売管理クラウド"}),  # half-width katakana finds katakana
        ("くらうど", {"販売管理クラウド"}),  # hiragana finds katakana
        ("ＩｏＴ", {"設備稼働監視IoT"}),  # full-width latin finds ASCII, any case
        ("iot", {"設備稼働監視IoT"}),
        ("せんさー", {"設備稼働監視IoT"}),  # description, kana-folded
        ("クラウド　在庫", {"販売管理クラウド"}),  # two terms (full-width space): both present
        ("クラウド 画像", set()),  # two terms: AND, not OR
        ("テスト情報システム", {"販売管理クラウド", "画像検査AI"}),  # vendor name
        ("画像解析", {"画像検査AI"}),  # category label
    ],
)
def test_japanese_search(catalogue, query, expected):
    assert names(catalogue, q=query) == expected


def test_search_page_finds_half_width_query(catalogue, login):
    response = login(catalogue.company_user).get(url("matching:solution_list"), {"q": "ｸﾗｳﾄﾞ"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "販売管理クラウド" in body and "設備稼働監視IoT" not in body
    assert response.context["form"]["q"].value() == "ｸﾗｳﾄﾞ"  # kept as typed


def test_filters(catalogue):
    cast = catalogue
    assert names(cast, category="iot") == {"設備稼働監視IoT"}
    # Region: solutions listing the region or none (全地域).
    assert names(cast, region_id=cast.ibaraki.pk) == {"販売管理クラウド", "設備稼働監視IoT"}
    assert names(cast, region_id=cast.nagano.pk) == {"販売管理クラウド", "画像検査AI"}
    assert names(cast, it_subsidy_only=True) == {"販売管理クラウド"}
    assert names(cast, vendor_id=cast.other_vendor.pk) == {"設備稼働監視IoT"}
    # Price range overlap (円): 200,000–600,000 overlaps 100,000–500,000 only.
    assert names(cast, price_min=200000, price_max=600000) == {"設備稼働監視IoT"}
    assert names(cast, price_max=50000) == {"販売管理クラウド"}
    assert names(cast, price_min=900000) == {"画像検査AI"}


def test_filters_through_the_page(catalogue, login):
    client = login(catalogue.vendor_user)
    body = client.get(
        url("matching:solution_list"), {"category": "iot", "region": catalogue.ibaraki.pk, "it_subsidy": ""}
    ).content.decode()
    assert "設備稼働監視IoT" in body and "販売管理クラウド" not in body
    body = client.get(url("matching:solution_list"), {"it_subsidy": "on"}).content.decode()
    assert "販売管理クラウド" in body and "設備稼働監視IoT" not in body
    response = client.get(url("matching:solution_list"), {"price_min": "5", "price_max": "1"})
    assert "price_max" in response.context["form"].errors


def test_search_text_is_maintained_on_every_save(cast):
    s = solution(cast, "日報アプリ")
    assert names(cast, q="ﾆｯﾎﾟｳ") == set()
    m = membership(cast, cast.coordinator)
    solution_save(membership=m, data={"keywords": "ニッポウ 現場"}, solution=s)
    assert names(cast, q="ﾆｯﾎﾟｳ") == {"日報アプリ"}
    # A case example's text is searched too.
    solution_case_save(membership=m, solution=s, data={"title": "建設現場の写真共有", "industry": "建設業"})
    assert names(cast, q="写真共有") == {"日報アプリ"}


def test_unpublished_solution_hidden_except_for_its_vendor_and_coordinators(cast, login):
    s = solution(cast, "開発中ツール", is_published=False)
    assert names(cast, q="開発中") == set()
    assert names(cast, cast.vendor_user, q="開発中", include_unpublished=True) == {"開発中ツール"}
    assert names(cast, cast.other_vendor_user, q="開発中", include_unpublished=True) == set()
    assert login(cast.other_vendor_user).get(url("matching:solution_detail", pk=s.pk)).status_code == 404
    assert login(cast.vendor_user).get(url("matching:solution_detail", pk=s.pk)).status_code == 200


def test_solution_list_queries_do_not_grow(cast, login):
    client = login(cast.company_user)
    solution(cast, "A", regions=[cast.ibaraki])
    client.get(url("matching:solution_list"))  # warm-up: per-session and per-process lookups
    with CaptureQueriesContext(connection) as few:
        client.get(url("matching:solution_list"))
    for i in range(6):
        solution(cast, f"B{i}", regions=[cast.ibaraki, cast.nagano], vendor=cast.other_vendor)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url("matching:solution_list"))
    assert len(response.context["solutions"]) == 7
    assert len(many) == len(few)  # vendor joined, regions prefetched


# --- who manages what ---------------------------------------------------------------------------------


def post_solution(client, pk=None, **data):
    body = {
        "name": "受発注クラウド",
        "category": "core_business",
        "description": "FAX受注をなくす",
        "price_min": "10000",
        "price_max": "50000",
        "item_codes": "4, 4-1",
        "is_published": "on",
    } | data
    name = "matching:solution_edit" if pk else "matching:solution_create"
    if pk:  # the edit form carries the solution's version as loaded now
        body = {"version": str(Solution.objects.get(pk=pk).version)} | body
    return client.post(url(name, **({"pk": pk} if pk else {})), body)


def test_vendor_creates_solution_for_its_own_organization_only(cast, login):
    client = login(cast.vendor_user)
    response = post_solution(client, vendor=cast.other_vendor.pk)  # a tampered vendor is ignored
    created = Solution.objects.get(name="受発注クラウド")
    assert response.status_code == 302
    assert created.vendor == cast.vendor and created.updated_by == cast.vendor_user
    assert created.item_codes == ["4", "4-1"] and created.price_max == 50000
    assert "じゅはっちゅう" not in created.search_text and "受発注くらうど" in created.search_text


def test_vendor_edits_only_its_own_solutions(cast, login):
    mine = solution(cast, "自社ツール")
    theirs = solution(cast, "他社ツール", vendor=cast.other_vendor)
    client = login(cast.vendor_user)
    assert client.get(url("matching:solution_edit", pk=mine.pk)).status_code == 200
    assert post_solution(client, mine.pk, name="自社ツール改").status_code == 302
    assert client.get(url("matching:solution_edit", pk=theirs.pk)).status_code == 403
    assert post_solution(client, theirs.pk, name="乗っ取り").status_code == 403
    assert client.post(url("matching:solution_publish", pk=theirs.pk), {"published": "0"}).status_code == 403
    theirs.refresh_from_db()
    assert theirs.name == "他社ツール" and theirs.is_published
    with pytest.raises(PermissionDenied):
        solution_save(membership=membership(cast, cast.vendor_user), data={"name": "x"}, solution=theirs)


def test_coordinator_manages_every_solution_and_others_read_only(cast, login):
    theirs = solution(cast, "他社ツール", vendor=cast.other_vendor)
    assert (
        post_solution(
            login(cast.coordinator), theirs.pk, name="修正済み", vendor=cast.other_vendor.pk
        ).status_code
        == 302
    )
    theirs.refresh_from_db()
    assert theirs.name == "修正済み"
    for who in ("itc", "bank_user", "company_user", "association_user"):
        client = login(getattr(cast, who))
        assert client.get(url("matching:solution_create")).status_code == 403, who
        assert client.get(url("matching:solution_edit", pk=theirs.pk)).status_code == 403, who
        assert client.get(url("matching:solution_detail", pk=theirs.pk)).status_code == 200, who


def test_vendor_role_of_a_non_it_organization_cannot_add(cast, login):
    user = make_user("agency@example.com")
    agency = MemberOrganization.objects.create(
        consortium=cast.consortium, name="産業支援機構", kind=MemberOrganization.Kind.SUPPORT_AGENCY
    )
    add_member(cast.consortium, user, Membership.Role.VENDOR, organization=agency)
    assert login(user).get(url("matching:solution_create")).status_code == 403


@pytest.mark.parametrize(
    ("data", "field", "text"),
    [
        ({"price_min": "60000", "price_max": "50000"}, "price_max", "上限は下限以上"),
        ({"price_min": "-1"}, "price_min", "0"),
        ({"item_codes": "4, 99-9"}, "item_codes", "99-9"),
    ],
)
def test_solution_validation_errors_keep_the_input(cast, login, data, field, text):
    response = post_solution(login(cast.vendor_user), **data)
    assert response.status_code == 200
    assert text in " ".join(response.context["form"].errors[field])
    assert "FAX受注をなくす" in response.content.decode()
    assert not Solution.objects.exists()


def test_item_codes_validated_against_the_current_edition(cast):
    m = membership(cast, cast.coordinator)
    with pytest.raises(ValidationError) as exc:
        solution_save(
            membership=m, data={"name": "x", "category": "ai", "item_codes": ["1", "ZZ"]}, vendor=cast.vendor
        )
    assert "ZZ" in str(exc.value.error_dict["item_codes"])
    ok = solution_save(
        membership=m, data={"name": "x", "category": "ai", "item_codes": "１, 4-1"}, vendor=cast.vendor
    )
    assert ok.item_codes == ["1", "4-1"]  # full-width digits normalized


def test_unpublish_removes_from_search(cast, login):
    s = solution(cast, "販売管理クラウド")
    response = login(cast.vendor_user).post(url("matching:solution_publish", pk=s.pk), {"published": "0"})
    assert response.status_code == 302
    assert names(cast, q="販売") == set()


def test_solution_page_shows_cases_and_vendor_manages_them(cast, login):
    s = solution(cast, "日報アプリ", item_codes=["4"])
    client = login(cast.vendor_user)
    response = client.post(
        url("matching:case_create", pk=s.pk),
        {"title": "建設業A社の日報電子化", "industry": "建設業", "result": "事務作業を月20時間削減"},
    )
    assert response.status_code == 302
    case = SolutionCase.objects.get()
    body = login(cast.company_user).get(url("matching:solution_detail", pk=s.pk)).content.decode()
    assert "建設業A社の日報電子化" in body and "事務作業を月20時間削減" in body
    assert (
        login(cast.other_vendor_user).get(url("matching:case_edit", pk=s.pk, case_pk=case.pk)).status_code
        == 403
    )
    response = login(cast.vendor_user).post(
        url("matching:case_edit", pk=s.pk, case_pk=case.pk), {"delete": "1"}
    )
    assert response.status_code == 302 and not SolutionCase.objects.exists()
    assert names(cast, q="日報電子化") == set()
