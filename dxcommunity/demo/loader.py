# ruff: noqa: E501  (demo texts are long Japanese sentences; wrapping them would hurt reading)
"""``manage.py load_demo``: the FY2022 茨城・長野DX推進コミュニティ with fictional companies and people.

Real (from the program documents): the consortium, its lead organization, regions, member
organizations and their roles, the program, its capacity, funder and schedule. Fictional: the IT vendor
「株式会社つくばデジタルソリューションズ」, every company, person, diagnosis, session log and plan text.
Every demo user logs in with ``DEMO_PASSWORD``.

Idempotent: rows are looked up by natural keys and saved only when a value differs, so a second run
creates, updates and records (history) nothing. Rows are written directly through the ORM with tenant
scopes disabled (the other apps' services are not needed).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from zoneinfo import ZoneInfo

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import models, transaction
from django_scopes import scopes_disabled

from accompaniment.models import (
    STANDARD_SESSION_THEMES,
    VENDOR_SESSION_NUMBERS,
    AccompanimentSession,
    AccompanimentTrack,
    Attendance,
    DxPlan,
    Homework,
    SatisfactionResponse,
    SessionLog,
)
from diagnosis.index_loader import benchmarks_load, index_load
from diagnosis.models import AdvisorSession, Diagnosis, DiagnosisAnswer, IndexItem
from dxcommunity.accounts.models import Invitation
from dxcommunity.consent.models import CompanyShare
from dxcommunity.demo import tables as fy2022
from dxcommunity.tenancy.models import Company, Consortium, MemberOrganization, Membership, Region
from matching.models import (
    Category,
    MatchingRequest,
    MatchingStatusChange,
    Solution,
    SolutionCase,
    VendorResponse,
)
from matching.solutions.services import solution_refresh_search_text
from programs.models import (
    CompanyApplication,
    Event,
    Participation,
    Program,
    SelectionDecision,
    SelfDiagnosisApplication,
    SeminarRegistration,
)
from programs.participations.services import participation_advance_stage, participation_join
from programs.recruitment.services import normalize_company_name

DEMO_PASSWORD = "dx-demo-2022"
SLUG = "ibaraki-nagano"
JST = ZoneInfo("Asia/Tokyo")
Kind = MemberOrganization.Kind
Role = Membership.Role
Stage = Participation.Stage


def at(y: int, m: int, d: int, hh: int = 14, mm: int = 0) -> dt.datetime:
    """An aware datetime in JST."""
    return dt.datetime(y, m, d, hh, mm, tzinfo=JST)


def upsert(model: type[models.Model], lookup: dict, values: dict | None = None) -> tuple[models.Model, bool]:
    """Get the row matching ``lookup`` or create it; save only the fields of ``values`` that differ.

    Returns (row, created). Saving nothing when nothing differs keeps a second run free of history rows.
    """
    values = values or {}
    obj = model._base_manager.filter(**lookup).first()
    if obj is None:
        obj = model(**lookup, **values)
        obj.save()
        return obj, True
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if changed:
        for name in changed:
            setattr(obj, name, values[name])
        fields = [model._meta.get_field(n).name for n in changed]
        if any(f.name == "updated_at" for f in model._meta.fields):
            fields.append("updated_at")
        obj.save(update_fields=fields)
    return obj, False


def backdate(obj: models.Model, when: dt.datetime) -> None:
    """Set ``created_at`` to the demo date (queryset update: no history row; a no-op once done)."""
    type(obj)._base_manager.filter(pk=obj.pk).exclude(created_at=when).update(created_at=when)


# (name, kind, region key or None, role in the consortium) — the program documents' table,
# except the fictional IT vendor standing in for 「IT系企業」 of 茨城.
ORGANIZATIONS: list[tuple[str, str, str | None, str]] = [
    ("特定非営利活動法人ITコーディネータ協会", Kind.LEAD, None, "代表機関、全体まとめ"),
    ("ITコーディネータ茨城", Kind.ITC, "ibaraki", "地域まとめ、伴走支援"),
    ("いばらき中小企業グローバル推進機構", Kind.SUPPORT_AGENCY, "ibaraki", "保有支援策の紹介、事業後援"),
    ("茨城県経営者協会", Kind.EMPLOYER_ASSOCIATION, "ibaraki", "企業紹介、事業後援"),
    ("常陽銀行", Kind.BANK, "ibaraki", "伴走支援協力、企業紹介"),
    (
        "株式会社つくばデジタルソリューションズ",
        Kind.IT_VENDOR,
        "ibaraki",
        "IT技術相談、マッチング支援（架空の企業）",
    ),
    (
        "茨城県産業技術イノベーションセンター",
        Kind.RESEARCH_INSTITUTE,
        "ibaraki",
        "協力機関：技術相談、実証試験の協力",
    ),
    ("長野県ITコーディネータ協議会", Kind.ITC, "nagano", "地域まとめ、伴走支援"),
    ("長野県産業振興機構", Kind.SUPPORT_AGENCY, "nagano", "保有支援策の紹介、事業後援"),
    ("長野県経営者協会", Kind.EMPLOYER_ASSOCIATION, "nagano", "企業紹介、事業後援"),
    ("八十二銀行", Kind.BANK, "nagano", "伴走支援協力、企業紹介"),
    ("長野県情報サービス振興協会", Kind.IT_ASSOCIATION, "nagano", "IT技術相談、マッチング支援"),
    ("長野県工業技術総合センター", Kind.RESEARCH_INSTITUTE, "nagano", "協力機関：技術相談、実証試験の協力"),
    ("信州大学", Kind.RESEARCH_INSTITUTE, "nagano", "協力機関：技術相談、実証試験の協力"),
]
VENDOR = "株式会社つくばデジタルソリューションズ"

# (kind, title, starts_at, on_demand_from, on_demand_until, place, members_only). Dates from the program documents'
# schedule; start times and places are not in the program documents (plausible placeholders).
EVENTS = [
    # キックオフ連絡会: date NOT from the program documents (plausible: before the first seminar).
    (Event.Kind.KICKOFF, "キックオフ連絡会", at(2022, 6, 28, 15), None, None, "オンライン", True),
    (
        Event.Kind.AWARENESS_SEMINAR,
        "DX気づきセミナー",
        at(2022, 7, 15),
        dt.date(2022, 7, 20),
        dt.date(2022, 8, 5),
        "",
        False,
    ),
    (
        Event.Kind.SELF_DIAGNOSIS_BRIEFING,
        "DX自己診断説明会",
        at(2022, 7, 25),
        dt.date(2022, 7, 26),
        dt.date(2022, 8, 5),
        "オンライン",
        False,
    ),
    (Event.Kind.DX_SEMINAR, "DXセミナー(1)", at(2022, 9, 12), None, None, "", False),
    (
        Event.Kind.DX_SEMINAR,
        "DXセミナー(2)",
        at(2022, 11, 14),
        dt.date(2022, 11, 14),
        dt.date(2022, 12, 31),
        "",
        False,
    ),
    (Event.Kind.RESULTS_MEETING, "成果報告会", at(2023, 3, 2, 13), None, None, "", False),
    # 構成員報告会: date NOT from the program documents (plausible: after the results meeting, before the fiscal year ends).
    (Event.Kind.MEMBERS_MEETING, "構成員報告会", at(2023, 3, 10, 15), None, None, "オンライン", True),
]

# (email, family name, given name, role, organization name, region key, company key, executive)
PEOPLE = [
    (
        "coordinator@example.jp",
        "水戸",
        "由紀",
        Role.COORDINATOR,
        "特定非営利活動法人ITコーディネータ協会",
        None,
        None,
        False,
    ),
    # 地域まとめ: the ITC organization of each region coordinates its region.
    (
        "regional-ibaraki@example.jp",
        "日立",
        "真理子",
        Role.REGIONAL_COORDINATOR,
        "ITコーディネータ茨城",
        "ibaraki",
        None,
        False,
    ),
    (
        "regional-nagano@example.jp",
        "諏訪",
        "剛",
        Role.REGIONAL_COORDINATOR,
        "長野県ITコーディネータ協議会",
        "nagano",
        None,
        False,
    ),
    ("itc-ibaraki@example.jp", "鹿島", "健一", Role.ITC, "ITコーディネータ茨城", "ibaraki", None, False),
    (
        "itc-nagano@example.jp",
        "松本",
        "理恵",
        Role.ITC,
        "長野県ITコーディネータ協議会",
        "nagano",
        None,
        False,
    ),
    ("bank-joyo@example.jp", "土浦", "誠", Role.BANK_STAFF, "常陽銀行", "ibaraki", None, False),
    ("bank-82@example.jp", "上田", "美穂", Role.BANK_STAFF, "八十二銀行", "nagano", None, False),
    (
        "association@example.jp",
        "笠間",
        "浩二",
        Role.ASSOCIATION_STAFF,
        "茨城県経営者協会",
        "ibaraki",
        None,
        False,
    ),
    ("vendor@example.jp", "筑西", "翔太", Role.VENDOR, VENDOR, "ibaraki", None, False),
    ("company-a@example.jp", "霞", "正人", Role.COMPANY_MEMBER, None, None, "a", True),
    ("company-b@example.jp", "那珂", "大輔", Role.COMPANY_MEMBER, None, None, "b", True),
    ("company-c@example.jp", "穂高", "千尋", Role.COMPANY_MEMBER, None, None, "c", True),
    ("company-d@example.jp", "千曲", "隆", Role.COMPANY_MEMBER, None, None, "d", True),
    ("company-e@example.jp", "筑波", "彩", Role.COMPANY_MEMBER, None, None, "e", True),
]

# key: (name, region, industry, employees, main bank, recommender, stage, staff name (担当者))
COMPANIES = {
    "a": (
        "かすみ精密工業株式会社",
        "ibaraki",
        Company.Industry.MANUFACTURING,
        85,
        "常陽銀行",
        "茨城県経営者協会",
        Stage.PLAN_COMPLETED,
        "桜井 美咲",
    ),
    "b": (
        "那珂川建設株式会社",
        "ibaraki",
        Company.Industry.CONSTRUCTION,
        42,
        "常陽銀行",
        "常陽銀行",
        Stage.ACCOMPANIMENT,
        "大洗 拓也",
    ),
    "c": (
        "安曇野フードテック株式会社",
        "nagano",
        Company.Industry.MANUFACTURING,
        60,
        "八十二銀行",
        "長野県経営者協会",
        Stage.DIAGNOSED,
        "有明 さくら",
    ),
    "d": (
        "千曲トレーディング株式会社",
        "nagano",
        Company.Industry.TRADING,
        28,
        "八十二銀行",
        "八十二銀行",
        Stage.MATCHING,
        "更埴 悠斗",
    ),
    "e": (
        "筑波フロンティア株式会社",
        "ibaraki",
        Company.Industry.SERVICES,
        15,
        "常陽銀行",
        "茨城県経営者協会",
        Stage.REGISTERED,
        "",
    ),
}

# Per-session log texts (fictional), keyed by session number: (discussion, decisions, homework).
SESSION_TEXTS: dict[int, tuple[str, str, str]] = {
    1: (
        "創業以来の経営理念を読み合わせ、社員に浸透しているか、顧客に提供している価値は何かを議論した。",
        "経営理念は維持し、ミッションを「顧客の設計意図を形にする」と言語化する。",
        "経営理念に関する社員アンケートを実施する",
    ),
    2: (
        "5年後の目指す姿について、経営者と担当者がそれぞれの案を持ち寄り、顧客・社員・地域の視点で整理した。",
        "DX構想の骨子（受注から出荷までのデータ連携、技能のデータ化）を決定。",
        "目指す姿を1枚の図にまとめる",
    ),
    3: (
        "顧客の要望の変化、人員構成、自己診断結果（人材育成・確保の成熟度が低い）を構想の裏付けとして確認した。",
        "主要顧客の短納期化と熟練工の退職見込みを根拠として計画書に記載する。",
        "過去3年の受注データ（ロット数・納期）を集計する",
    ),
    4: (
        "構想の達成度を測る目標値の候補を洗い出し、測定方法と現状値を確認した。",
        "KPIを納期回答リードタイム、段取り時間、不良率、設備稼働率の4つに絞る。",
        "各KPIの現状値を1か月分計測する",
    ),
    5: (
        "ITベンダー同席のもと、生産管理・稼働監視・文書管理の構成案と既存システムとの連携方法を検討した。",
        "クラウド型生産管理を中核とし、会計とはCSV連携から始める。",
        "候補製品2つのデモを社内で見る",
    ),
    6: (
        "業務フローを書き出し、受注・工程管理・検査記録の各工程で手作業と情報の滞留を確認した。",
        "最大の課題を「工程情報が紙とExcelに分散していること」と特定。",
        "業務フロー図の抜け漏れを現場に確認する",
    ),
    7: (
        "課題と構想のギャップから実施項目を抽出し、効果と難易度で優先順位を付けた。",
        "実施項目5つを決定（生産管理導入、稼働監視、検査記録電子化、技能動画、推進チーム）。",
        "各実施項目の概算費用を確認する",
    ),
    8: (
        "ITベンダー同席のもと、導入順序と期間、補助金・DX融資の活用時期を検討した。",
        "2023年度から3年間のロードマップを確定。",
        "資金計画案を作成し金融機関と相談する",
    ),
    9: (
        "推進責任者・推進リーダ・メンバーの役割と会議体、外部支援者との関わり方を検討した。",
        "製造部長を推進リーダとし、月1回のDX推進会議を設置する。",
        "推進チームの任命文書を準備する",
    ),
    10: (
        "計画書全体を通読し、役員・部課長による社内レビューの進め方と指摘事項を確認した。",
        "レビュー指摘を反映し、DX推進計画書を最終版とする。",
        "最終版を全社員に説明する",
    ),
}

PLAN_A = {
    "mission": "「精密な技術で、ものづくりの未来を支える」を経営理念とし、顧客の設計意図を高い精度で形にすることを使命とする。",
    "vision": "2027年までに、受注から出荷までの情報をデジタルでつなぎ、熟練技能をデータ化して、若手が短期間で高精度加工を担える工場を実現する。顧客への納期回答は当日中に行う。",
    "vision_grounds": "主要顧客から短納期・小ロット化の要請が増えている（過去3年で小ロット比率 35%→52%）。熟練工5名のうち3名が5年以内に定年を迎える。自己診断では「人材育成・確保」「事業への落とし込み」の成熟度が1にとどまった。",
    "targets": "2025年度の目標値：納期回答リードタイム 3日→当日、段取り時間 30%削減、不良率 1.2%→0.6%、設備稼働率 62%→75%、技能伝承動画 120本。",
    "system_architecture": "クラウド型生産管理システムを中核に、設備稼働監視（既存NC機20台にIoTセンサー）、図面・検査記録の電子化（文書管理）、BIダッシュボードを連携する。既存の会計システムとはCSV連携から始める。",
    "current_state": "受注はFAX・メールで受け、工程はExcelで手作業管理している。設備の稼働状況は日報で翌日に把握。検査記録は紙で保管し、検索に時間がかかる。IT担当は総務と兼務の1名。",
    "action_items": "① 受注・工程情報の一元化（生産管理の導入）\n② 主要設備への稼働監視センサー設置\n③ 検査記録のタブレット入力\n④ 熟練技能の動画マニュアル化\n⑤ DX推進チームの設置と月次レビュー",
    "schedule": "2023年度上期：生産管理の選定・導入、検査記録の電子化\n2023年度下期：稼働監視を10台で試行\n2024年度：全設備へ展開、BI活用を開始\n2025年度：技能データを使った若手育成の仕組み化\n5年後：主要顧客とのデータ連携／10年後：受注から出荷までを自律的に最適化する工場",
    "organization": "DX推進責任者：代表取締役。推進リーダ：製造部長。メンバー：品質保証課・生産管理課・総務（IT）から各1名。外部支援：ITコーディネータ茨城（伴走）、常陽銀行（資金計画）。月1回のDX推進会議で進捗を確認する。",
    "security": "クラウド利用に合わせて情報セキュリティ基本方針を定め、アカウント管理と多要素認証、バックアップの定期確認、全社員向けの年1回の研修を行う。",
    "review": "2023年2月、役員・部課長12名で社内レビューを実施し計画を承認。現場の意見を受け、稼働監視の試行を研削工程から始める順序に変更した。",
}
PLAN_B = {
    "mission": "「地域の暮らしを支えるインフラを、安全に、確実に」を経営理念とし、那珂川流域の公共工事と住宅基礎工事を担う。",
    "vision": "現場と事務所の情報をリアルタイムで共有し、書類作業を半減させて、技術者が施工と若手指導に時間を使える会社になる。",
    "vision_grounds": "技術者の残業の約4割が日報・写真整理・書類作成。2024年度からの時間外労働の上限規制への対応が急務。若手の採用では働き方が重視される。",
    "targets": "2025年度の目標値：書類作成時間 50%削減、現場写真の整理時間 70%削減、月平均残業時間 45時間→25時間。",
    "system_architecture": "施工管理クラウド（工程・写真・日報）をタブレットで利用し、見積・原価管理システムとデータ連携する。図面はクラウドストレージで共有する。",
}

# KPI rows (name, unit, baseline, target, deadline) and roadmap rows (title, start, end, owner) of the plans;
# the figures echo the plan texts above (fictional).
PLAN_KPIS = {
    "a": [
        ("納期回答リードタイム", "日", "3", "0", dt.date(2026, 3, 31)),
        ("段取り時間", "分/回", "90", "63", dt.date(2026, 3, 31)),
        ("不良率", "%", "1.2", "0.6", dt.date(2026, 3, 31)),
        ("設備稼働率", "%", "62", "75", dt.date(2026, 3, 31)),
        ("技能伝承動画", "本", "0", "120", dt.date(2026, 3, 31)),
    ],
    "b": [("書類作成時間", "時間/月", "60", "30", dt.date(2026, 3, 31))],
}
PLAN_ROADMAP = {
    "a": [
        ("生産管理システムの選定・導入", dt.date(2023, 4, 1), dt.date(2023, 9, 1), "製造部長"),
        ("検査記録の電子化", dt.date(2023, 6, 1), dt.date(2023, 12, 1), "品質保証課"),
        ("稼働監視の試行（研削工程10台）", dt.date(2023, 10, 1), dt.date(2024, 3, 1), "生産管理課"),
        ("稼働監視の全設備展開とBI活用", dt.date(2024, 4, 1), dt.date(2025, 3, 1), "生産管理課"),
        ("技能データを使った若手育成", dt.date(2025, 4, 1), dt.date(2026, 3, 1), "製造部長"),
    ],
    "b": [("施工管理クラウドの試行", dt.date(2023, 4, 1), dt.date(2023, 9, 1), "工事部")],
}

# (company key, title, category, source, description, vendor answer)
MATCHING = [
    (
        "d",
        "受発注・在庫の一元管理システムの導入",
        Category.CORE_BUSINESS,
        MatchingRequest.Source.DIAGNOSIS,
        "受注はFAX・電話、在庫はExcelで管理しており、欠品と過剰在庫が月に数件発生。仕入先約40社・販売先約120社の受発注と在庫を一元管理したい。予算は初年度300万円程度。",
        "卸売業向けクラウド販売管理「つくばトレードクラウド」をご提案できます。受発注・在庫・請求を一元管理し、FAX受注はAI-OCRで取り込めます。まずは現行の帳票をお預かりし、2週間の試用環境をご用意します。",
    ),
]

SOLUTIONS = [
    (
        VENDOR,
        "つくばトレードクラウド",
        Category.CORE_BUSINESS,
        "卸売・商社向けのクラウド販売管理（受発注・在庫・請求）。AI-OCRによるFAX受注の取り込みに対応。",
    ),
    (VENDOR, "ファクトリーアイ", Category.IOT, "既存設備に後付けできる稼働監視センサーとダッシュボード。"),
    (
        VENDOR,
        "検査記録タブレット",
        Category.INFO_SHARING,
        "紙の検査記録をタブレット入力に置き換え、図面・写真とひも付けて検索できる。",
    ),
    (
        "長野県情報サービス振興協会",
        "会員企業のAI画像検査ソリューション紹介",
        Category.IMAGE_ANALYSIS,
        "会員企業による外観検査の画像解析ソリューションの紹介窓口。",
    ),
    (
        "長野県情報サービス振興協会",
        "会員企業のXR研修コンテンツ紹介",
        Category.XR,
        "技能伝承のためのXR研修コンテンツを持つ会員企業の紹介窓口。",
    ),
]


def answer_values(company_index: int, item_index: int) -> tuple[int, int]:
    """Deterministic (current 0–2 mostly, target 2–4) maturity pair for the demo diagnoses."""
    current = (item_index * 7 + company_index * 3) % 3
    if (item_index + company_index) % 11 == 0:
        current = 3
    target = max(current + 1, 2 + (item_index * 5 + company_index) % 3)
    return current, min(target, 4)


def recommendation_note(spec: dict) -> str:
    """The recommending organization's note (fictional): a bank about its client, an association about its
    member."""
    if "銀行" in (spec["recommender"] or ""):
        return f"当行の取引先。{spec['motivation']}経営者が自ら参加できる。"
    return f"当協会の会員企業。{spec['motivation']}DXへの意欲が高い。"


class Command(BaseCommand):
    help = "Load the FY2022 茨城・長野DX推進コミュニティ demo (idempotent). Password of every user: dx-demo-2022."

    def handle(self, *args, **options) -> None:
        edition = index_load()
        benchmarks_load()  # IPA benchmarks and the 定量指標 library
        with scopes_disabled(), transaction.atomic():
            self.load(edition)
        self.summary()

    # --- loading -------------------------------------------------------------------------------

    def load(self, edition) -> None:
        consortium, _ = upsert(
            Consortium,
            {"slug": SLUG},
            {
                "name": "茨城・長野DX推進コミュニティ",
                "lead_organization_name": "特定非営利活動法人ITコーディネータ協会",
            },
        )
        self.consortium = consortium
        c = {"consortium": consortium}
        regions = {
            "ibaraki": upsert(Region, {**c, "key": "ibaraki"}, {"name": "茨城県"})[0],
            "nagano": upsert(Region, {**c, "key": "nagano"}, {"name": "長野県"})[0],
        }
        orgs = {
            name: upsert(
                MemberOrganization,
                {**c, "name": name},
                {"kind": kind, "region": regions[key] if key else None, "role_description": role},
            )[0]
            for name, kind, key, role in ORGANIZATIONS
        }
        # A reload puts the closed FY2022 program's rows back as they were: the loader opens it for the
        # load (a queryset update, not a save: the closed-program guard is for users) and closes it again.
        Program.objects.filter(**c, name="令和4年度 茨城・長野DX推進コミュニティ").update(closed_at=None)
        program, _ = upsert(
            Program,
            {**c, "name": "令和4年度 茨城・長野DX推進コミュニティ"},
            {
                "fiscal_year": 2022,
                # Seed 000: 経済産業省「地域DX促進活動支援事業」.
                "funder": "経済産業省 地域DX促進活動支援事業",
                "capacity": 16,
                "self_diagnosis_from": dt.date(2022, 7, 25),
                "self_diagnosis_until": dt.date(2022, 8, 19),
                "advice_from": dt.date(2022, 8, 1),
                "advice_until": dt.date(2022, 9, 2),
                "accompaniment_from": dt.date(2022, 9, 12),
                "accompaniment_until": dt.date(2023, 2, 17),
                "matching_from": dt.date(2022, 9, 12),
                "matching_until": dt.date(2023, 2, 17),
                # recruitment from the DX気づきセミナー to the self-diagnosis deadline.
                "recruitment_from": dt.date(2022, 7, 15),
                "recruitment_until": dt.date(2022, 8, 19),
                "public_application_open": False,
                "description": fy2022.PROGRAM_DESCRIPTION,
            },
        )
        if set(program.regions.values_list("pk", flat=True)) != {r.pk for r in regions.values()}:
            program.regions.set(regions.values())
        events = {}
        for kind, title, starts_at, od_from, od_until, place, members_only in EVENTS:
            events[title], _ = upsert(
                Event,
                {**c, "program": program, "title": title},
                {
                    "kind": kind,
                    "starts_at": starts_at,
                    "ends_at": starts_at + dt.timedelta(hours=2),
                    "on_demand_from": od_from,
                    "on_demand_until": od_until,
                    "place": place,
                    "members_only": members_only,
                },
            )
        companies = {}
        for key, (name, region, industry, employees, bank, recommender, stage, _staff) in COMPANIES.items():
            companies[key], _ = upsert(
                Company,
                {**c, "name": name},
                {
                    "region": regions[region],
                    "industry": industry,
                    "employees": employees,
                    "main_bank": orgs[bank],
                    "recommended_by": orgs[recommender],
                },
            )
            # The stage is written by its one writer, as the services do (it only moves forward).
            self.join(companies[key], program, stage)
        users = {}
        for email, family, given, role, org, region, company_key, executive in PEOPLE:
            user = self.user(email, family, given)
            users[email] = user
            upsert(
                Membership,
                {"consortium": consortium, "user": user},
                {
                    "role": role,
                    "organization": orgs[org] if org else None,
                    "region": regions[region] if region else None,
                    "company": companies[company_key] if company_key else None,
                    "is_executive": executive,
                    "is_active": True,
                },
            )
        self.users = users
        self.orgs = orgs

        # Seminar registrations: everyone came to the awareness seminar; A–D to the briefing.
        for key, company in companies.items():
            person = next(p for p in PEOPLE if p[6] == key)
            reg_events = ["DX気づきセミナー"] + (["DX自己診断説明会", "DXセミナー(1)"] if key != "e" else [])
            for title in reg_events:
                upsert(
                    SeminarRegistration,
                    {**c, "event": events[title], "email": person[0]},
                    {"company": company, "name": f"{person[1]} {person[2]}", "attended": True},
                )

        # Applications, diagnoses and advice for A–D.
        items = list(IndexItem.objects.filter(edition=edition).order_by("order"))
        advisors = {"ibaraki": users["itc-ibaraki@example.jp"], "nagano": users["itc-nagano@example.jp"]}
        for index, key in enumerate(["a", "b", "c", "d"]):
            company = companies[key]
            person = next(p for p in PEOPLE if p[6] == key)
            application, _ = upsert(
                SelfDiagnosisApplication,
                {**c, "program": program, "company": company},
                {
                    "applicant_name": f"{person[1]} {person[2]}",
                    "organization_name": company.name,
                    "department_title": "代表取締役",
                    "email": person[0],
                    "region": company.region,
                    "message_to_office": "経営者と担当者の2名で参加します。" if key in "ab" else "",
                    "submitted_by": users[person[0]],
                },
            )
            backdate(application, at(2022, 7, 26 + index, 10))
            diagnosis, _ = upsert(
                Diagnosis,
                {**c, "company": company, "edition": edition, "participation": self.join(company, program)},
                {
                    "status": Diagnosis.Status.SUBMITTED,
                    "submitted_at": at(2022, 8, 5 + index * 3, 17),
                    "advice_mode": Diagnosis.AdviceMode.IN_PERSON
                    if index % 2 == 0
                    else Diagnosis.AdviceMode.ONLINE,
                    "advice_date_candidates": f"8/{16 + index}（午後）、8/{23 + index}（午前）",
                    "questionnaire": "DXの進め方が分からず、まずは現状を整理したい。",
                    "dx_stage": 2 if key != "d" else 1,
                    "created_by": users[person[0]],
                    # the coordinator assigns the region's ITC as DX診断アドバイザー.
                    "advisor": advisors[company.region.key],
                },
            )
            backdate(diagnosis, at(2022, 7, 28 + index, 9))
            for item_index, item in enumerate(items):
                current, target = answer_values(index, item_index)
                upsert(
                    DiagnosisAnswer,
                    {**c, "diagnosis": diagnosis, "item": item},
                    {
                        "current": current,
                        "target": target,
                        "evidence": "紙とExcelでの管理が中心" if current == 0 and item_index % 4 == 0 else "",
                        "action": "伴走支援で具体策を検討する" if target - current >= 3 else "",
                    },
                )
            if key != "c":
                upsert(
                    AdvisorSession,
                    {**c, "diagnosis": diagnosis},
                    {
                        "company": company,
                        "advisor": advisors[company.region.key],
                        "held_on": dt.date(2022, 8, 22 + index),
                        "mode": diagnosis.advice_mode,
                        "notes": "経営者・担当者に項目ごとにヒアリング（約3時間）。",
                        "advice": "「人材育成・確保」と「事業への落とし込み」を重点項目とし、まずは業務のデジタイゼーション（紙・Excelからの脱却）から着手することを助言。",
                    },
                )

        self.program = program
        # Accompaniment: A finished all 10 sessions; B held 1–5.
        self.track(companies["a"], program, held=10, first=dt.date(2022, 9, 20), plan=PLAN_A, approved=True)
        self.track(companies["b"], program, held=5, first=dt.date(2022, 9, 26), plan=PLAN_B, approved=False)
        for key in ("a", "b"):
            self.plan_rows(
                companies[key], kpis=PLAN_KPIS[key], roadmap=PLAN_ROADMAP[key], approved=key == "a"
            )

        # Tool database and matching for D.
        for vendor, name, category, description in SOLUTIONS:
            upsert(
                Solution,
                {**c, "vendor": orgs[vendor], "name": name},
                {"category": category, "description": description},
            )
        for key, title, category, source, description, answer in MATCHING:
            request, _ = upsert(
                MatchingRequest,
                {**c, "company": companies[key], "title": title},
                {
                    "program": program,
                    "category": category,
                    "source": source,
                    "description": description,
                    "status": MatchingRequest.Status.CANDIDATES,
                    "created_by": users["itc-nagano@example.jp"],
                },
            )
            backdate(request, at(2022, 10, 3, 11))
            if list(request.vendors.values_list("pk", flat=True)) != [orgs[VENDOR].pk]:
                request.vendors.set([orgs[VENDOR]])
            response, _ = upsert(
                VendorResponse,
                {**c, "request": request, "vendor": orgs[VENDOR]},
                {"author": users["vendor@example.jp"], "message": answer},
            )
            backdate(response, at(2022, 10, 12, 16))

        # Company consent: 千曲トレーディング shares its self-diagnosis with the vendor it is
        # matched with (the vendor sees the company's stage through the request, and now the diagnosis).
        upsert(
            CompanyShare,
            {
                **c,
                "company": companies["d"],
                "organization": orgs[VENDOR],
                "subject": CompanyShare.Subject.DIAGNOSIS,
                "revoked_at": None,
            },
            {"granted_by": users["company-d@example.jp"]},
        )

        # the FY2022 program as the program documents describe it (dxcommunity/demo/tables.py), then the
        # current program (令和8年度, 自走).
        self.regions = regions
        self.program = program
        self.events = events
        self.companies = companies
        self.edition = edition
        self.items = items
        self.load_fy2022()
        program_2026 = self.load_2026()
        self.second_year(program_2026)
        self.municipal_2026()
        self.close_fy2022()

    # --- the FY2022 program as the program documents describe it ------------------------------------

    def load_fy2022(self) -> None:
        """Recruitment (18 applicants + 1 duplicate row), selection, diagnoses, tracks, matching, seminar
        registrations and surveys of the FY2022 program (data: ``dxcommunity.demo.tables``)."""
        c = {"consortium": self.consortium}
        program, events = self.program, self.events
        for title, (capacity, description) in fy2022.EVENT_DETAILS.items():
            upsert(
                Event,
                {**c, "program": program, "title": title},
                {"capacity": capacity, "description": description},
            )
        meeting_spec = fy2022.SELECTION_MEETING
        starts = at(*meeting_spec["starts_at"])
        meeting, _ = upsert(
            Event,
            {**c, "program": program, "title": meeting_spec["title"]},
            {
                "kind": Event.Kind.SELECTION_MEETING,
                "starts_at": starts,
                "ends_at": starts + dt.timedelta(hours=2),
                "place": meeting_spec["place"],
                "members_only": True,
                "registration_open": False,
                "description": meeting_spec["description"],
            },
        )
        events[meeting.title] = meeting
        self.applicants = self.fy2022_companies()
        self.fy2022_applications(meeting)
        self.fy2022_diagnoses()
        self.fy2022_tracks()
        self.fy2022_matching()
        self.fy2022_registrations()
        self.fy2022_surveys()

    def fy2022_companies(self) -> dict[str, dict]:
        """The 18 applicants as {key: spec} (existing A–D and the new ones); creates the new companies."""
        c = {"consortium": self.consortium}
        applicants: dict[str, dict] = {}
        for key, (
            source,
            rec,
            rec_user,
            decision,
            reasons,
            commitment,
            team,
            motivation,
        ) in fy2022.EXISTING_APPLICANTS.items():
            name, _region, industry, employees, _bank, _recommender, _stage, staff = COMPANIES[key]
            person = next(p for p in PEOPLE if p[6] == key)
            applicants[key] = {
                "company": self.companies[key],
                "name": name,
                "industry": industry,
                "employees": employees,
                "source": source,
                "recommender": rec,
                "recommender_user": rec_user,
                "decision": decision,
                "reasons": reasons,
                "commitment": commitment,
                "team": team,
                "motivation": motivation,
                "issues": "",
                "executive": f"{person[1]} {person[2]}",
                "staff": staff,
                "email": person[0],
                "user": self.users[person[0]],
            }
        bank_of = {"ibaraki": self.orgs["常陽銀行"], "nagano": self.orgs["八十二銀行"]}
        for key, spec in fy2022.NEW_COMPANIES.items():
            if spec["decision"] == fy2022.ACC:
                stage = Stage.PLAN_COMPLETED if spec["held"] == 10 else Stage.ACCOMPANIMENT
            elif spec["decision"] == fy2022.MAT:
                stage = Stage.MATCHING
            else:
                stage = Stage.DIAGNOSED
            company, _ = upsert(
                Company,
                {**c, "name": spec["name"]},
                {
                    "region": self.regions[spec["region"]],
                    "industry": spec["industry"],
                    "employees": spec["employees"],
                    "main_bank": bank_of[spec["region"]],
                    "recommended_by": self.orgs[spec["recommender"]] if spec["recommender"] else None,
                },
            )
            self.join(company, self.program, stage)
            self.companies[key] = company
            applicants[key] = {**spec, "company": company, "user": None}
        return applicants

    def fy2022_applications(self, meeting: Event) -> None:
        """応募 rows (one per applicant + the duplicate), invitations of A–D, the selection decisions."""
        c = {"consortium": self.consortium}
        coordinator = self.users["coordinator@example.jp"]
        normalize = normalize_company_name
        first = {}
        for index, (key, spec) in enumerate(self.applicants.items()):
            company = spec["company"]
            created = at(2022, 7, 15, 10) + dt.timedelta(days=(index * 35) // 18, hours=index % 5)
            recommended = spec["source"] == CompanyApplication.Source.RECOMMENDATION
            status = CompanyApplication.Status.RECEIVED
            invitation = None
            if spec["user"] is not None:
                status = CompanyApplication.Status.INVITED
                invitation = self.demo_invitation(key, spec, created)
            application, _ = upsert(
                CompanyApplication,
                {**c, "program": self.program, "company_name": spec["name"]},
                {
                    "company": company,
                    "company_name_normalized": normalize(spec["name"]),
                    "representative_name": spec["executive"],
                    "applicant_name": spec["executive"],
                    "department_title": "代表取締役" if key != "j" else "代表社員",
                    "email": spec["email"],
                    "region": company.region,
                    "industry": spec["industry"],
                    "employees": spec["employees"],
                    "executive_participant": spec["executive"],
                    "staff_participant": spec["staff"],
                    "motivation": spec["motivation"],
                    "current_issues": spec["issues"],
                    "source": spec["source"],
                    "recommended_by": self.orgs[spec["recommender"]] if recommended else None,
                    "recommended_by_user": self.users[spec["recommender_user"]]
                    if recommended and spec["recommender_user"]
                    else None,
                    "recommendation_note": recommendation_note(spec) if recommended else "",
                    "status": status,
                    "invitation": invitation,
                    "privacy_consent": True,
                },
            )
            backdate(application, created)
            first[key] = application
            decision = spec["decision"]
            accompaniment = decision == fy2022.ACC
            confirmer = spec["user"]
            upsert(
                SelectionDecision,
                {**c, "program": self.program, "company": company},
                {
                    "application": application,
                    "meeting": meeting,
                    "decision": decision,
                    "reasons": spec["reasons"],
                    "commitment_rating": spec["commitment"],
                    "team_rating": spec["team"],
                    "decided_at": meeting.starts_at + dt.timedelta(hours=1, minutes=index),
                    "decided_by": coordinator,
                    "executive_participant": spec["executive"],
                    "staff_participant": spec["staff"],
                    "attends_all_sessions": accompaniment,
                    "conditions_confirmed_at": at(2022, 9, 8 + index % 3, 10) if accompaniment else None,
                    "conditions_confirmed_by": confirmer if accompaniment else None,
                },
            )
        dup = fy2022.DUPLICATE
        original = first[dup["of"]]
        duplicate, _ = upsert(
            CompanyApplication,
            {**c, "program": self.program, "company_name": dup["company_name"]},
            {
                "company": None,
                "company_name_normalized": normalize(dup["company_name"]),
                "representative_name": original.representative_name,
                "applicant_name": dup["applicant_name"],
                "department_title": "工事部",
                "email": dup["email"],
                "region": original.region,
                "industry": original.industry,
                "employees": original.employees,
                "executive_participant": original.executive_participant,
                "staff_participant": original.staff_participant,
                "motivation": original.motivation,
                "message_to_office": dup["message_to_office"],
                "source": CompanyApplication.Source.PUBLIC_FORM,
                "status": CompanyApplication.Status.DUPLICATE,
                "duplicate_of": original,
                "privacy_consent": True,
            },
        )
        backdate(duplicate, at(*dup["created"]))

    def demo_invitation(self, key: str, spec: dict, created: dt.datetime) -> Invitation:
        """The accepted invitation of an existing demo company's user (token hash of a fixed demo string)."""
        token_hash = hashlib.sha256(f"dx-demo-fy2022-invitation-{key}".encode()).hexdigest()
        invitation, _ = upsert(
            Invitation,
            {"consortium": self.consortium, "token_hash": token_hash},
            {
                "email": spec["email"],
                "role": Role.COMPANY_MEMBER,
                "company": spec["company"],
                "is_executive": True,
                "invited_by": self.users["coordinator@example.jp"],
                "expires_at": created + dt.timedelta(days=7),
                "accepted_at": created + dt.timedelta(days=1),
                "accepted_by": spec["user"],
            },
        )
        backdate(invitation, created + dt.timedelta(hours=2))
        return invitation

    def fy2022_diagnoses(self) -> None:
        """自己診断申し込み, submitted self-diagnoses and (all but one) advice for the new applicants."""
        c = {"consortium": self.consortium}
        advisors = {
            "ibaraki": self.users["itc-ibaraki@example.jp"],
            "nagano": self.users["itc-nagano@example.jp"],
        }
        new = [k for k in self.applicants if k in fy2022.NEW_COMPANIES]
        for offset, key in enumerate(new):
            index = offset + 4  # A–D are 0–3 in answer_values
            spec = self.applicants[key]
            company = spec["company"]
            application, _ = upsert(
                SelfDiagnosisApplication,
                {**c, "program": self.program, "company": company},
                {
                    "applicant_name": spec["executive"],
                    "organization_name": company.name,
                    "department_title": "代表取締役",
                    "email": spec["email"],
                    "region": company.region,
                    "message_to_office": "経営者と担当者の2名で参加します。" if spec["staff"] else "",
                    "submitted_by": None,
                },
            )
            backdate(application, at(2022, 7, 26 + offset % 6, 10))
            advisor = advisors[spec["region"]]
            with_advice = spec["decision"] != fy2022.NOT
            mode = Diagnosis.AdviceMode.IN_PERSON if offset % 3 else Diagnosis.AdviceMode.ONLINE
            diagnosis, _ = upsert(
                Diagnosis,
                {
                    **c,
                    "company": company,
                    "edition": self.edition,
                    "participation": self.join(company, self.program),
                },
                {
                    "status": Diagnosis.Status.SUBMITTED,
                    "submitted_at": at(2022, 8, 5 + offset, 17) if with_advice else at(2022, 8, 19, 16),
                    "advice_mode": mode,
                    "advice_date_candidates": f"8/{17 + offset % 10}（午後）、8/{24 + offset % 7}（午前）",
                    "questionnaire": spec["motivation"],
                    "dx_stage": 1 + offset % 3,
                    "created_by": None,
                    "advisor": advisor if with_advice else None,
                },
            )
            backdate(diagnosis, at(2022, 7, 28 + offset % 4, 9))
            answers = []
            for item_index, item in enumerate(self.items):
                current, target = answer_values(index, item_index)
                answers.append((current, item_index, item))
                upsert(
                    DiagnosisAnswer,
                    {**c, "diagnosis": diagnosis, "item": item},
                    {
                        "current": current,
                        "target": target,
                        "evidence": "紙とExcelでの管理が中心" if current == 0 and item_index % 4 == 0 else "",
                        "action": "伴走支援で具体策を検討する" if target - current >= 3 else "",
                    },
                )
            if not with_advice:
                continue
            session, _ = upsert(
                AdvisorSession,
                {**c, "diagnosis": diagnosis},
                {
                    "company": company,
                    "advisor": advisor,
                    "held_on": dt.date(2022, 8, 15) + dt.timedelta(days=offset + offset // 4),
                    "mode": mode,
                    "notes": "経営者・担当者に項目ごとにヒアリング（約3時間）。",
                    "advice": f"「{spec['issues'] or spec['motivation']}」を出発点に、まずは業務のデジタイゼーションから着手し、成熟度の低い項目を重点項目とすることを助言。",
                    "target_state": spec.get("vision", ""),
                    "digitization_steps": "紙とExcelで管理している情報の電子化と共有から始める。",
                },
            )
            weakest = [item.pk for _c, _i, item in sorted(answers, key=lambda a: (a[0], a[1]))[:3]]
            if set(session.weak_items.values_list("pk", flat=True)) != set(weakest):
                session.weak_items.set(weakest)

    def fy2022_tracks(self) -> None:
        """Tracks of the 11 new accompaniment companies (A and B are loaded by ``track`` as before)."""
        for offset, (key, spec) in enumerate(
            (k, s)
            for k, s in self.applicants.items()
            if k in fy2022.NEW_COMPANIES and s["decision"] == fy2022.ACC
        ):
            self.track_new(key, spec, offset)

    def track_new(self, key: str, spec: dict, offset: int) -> None:
        """A new company's track: 10 sessions, ``spec["held"]`` held with log, attendance and homework."""
        c = {"consortium": self.consortium}
        company = spec["company"]
        ibaraki = spec["region"] == "ibaraki"
        leader = self.users["itc-ibaraki@example.jp" if ibaraki else "itc-nagano@example.jp"]
        bank_user = self.users["bank-joyo@example.jp" if ibaraki else "bank-82@example.jp"]
        vendor_user = self.users["vendor@example.jp"]
        vendor_name = (
            f"{vendor_user.last_name} {vendor_user.first_name}" if ibaraki else fy2022.NAGANO_VENDOR_PERSON
        )
        held = spec["held"]
        track, _ = upsert(
            AccompanimentTrack,
            {**c, "participation": self.join(company, self.program)},
            {
                "company": company,
                "program": self.program,
                "leader": leader,
                "bank": self.orgs["常陽銀行" if ibaraki else "八十二銀行"],
                "status": AccompanimentTrack.Status.COMPLETED
                if held == 10
                else AccompanimentTrack.Status.ACTIVE,
            },
        )
        first = dt.date(2022, 9, 14) + dt.timedelta(days=2 * offset)
        for number, theme in enumerate(STANDARD_SESSION_THEMES, start=1):
            date = first + dt.timedelta(days=14 * (number - 1))
            session, _ = upsert(
                AccompanimentSession,
                {**c, "track": track, "number": number},
                {
                    "theme": theme,
                    "status": AccompanimentSession.Status.HELD
                    if number <= held
                    else AccompanimentSession.Status.PLANNED,
                    "date": date,
                    "start_time": dt.time(10 if offset % 2 else 14, 0),
                    "duration_minutes": 120,
                    "mode": AccompanimentSession.Mode.ONLINE
                    if number in (4, 9)
                    else AccompanimentSession.Mode.IN_PERSON,
                    "place": "オンライン" if number in (4, 9) else f"{company.name} 会議室",
                },
            )
            if number > held:
                continue
            discussion, decision, homework = (
                text.format(focus=spec["focus"]) for text in fy2022.SESSION_TEXTS_GENERIC[number]
            )
            upsert(
                SessionLog,
                {**c, "session": session},
                {
                    "author": leader,
                    "agenda": f"第{number}回 {theme}\n1. 前回宿題の確認\n2. {theme}\n3. 次回までの宿題",
                    "discussion": discussion,
                    "decisions": decision,
                    "next_session_date": date + dt.timedelta(days=14) if number < 10 else None,
                    "company_confirmed_at": at(date.year, date.month, date.day, 18),
                },
            )
            attendees = [
                (Attendance.Role.ITC_LEADER, f"{leader.last_name} {leader.first_name}"),
                (Attendance.Role.BANK_ASSISTANT, f"{bank_user.last_name} {bank_user.first_name}"),
                (Attendance.Role.COMPANY_STAFF, spec["staff"]),
            ]
            # One executive absence in the track that is behind (shown by the attendance rule).
            if not (held < 10 and number == 6):
                attendees.append((Attendance.Role.COMPANY_EXECUTIVE, spec["executive"]))
            if number in VENDOR_SESSION_NUMBERS:
                attendees.append((Attendance.Role.IT_VENDOR, vendor_name))
            for role, name in attendees:
                upsert(Attendance, {**c, "session": session, "role": role, "name": name})
            upsert(
                Homework,
                {**c, "session": session, "title": homework},
                {
                    "owner_name": spec["staff"],
                    "due_date": date + dt.timedelta(days=13),
                    "done": number < held or held == 10,
                },
            )
        approved = held == 10
        kpis = spec["kpis"]
        upsert(
            DxPlan,
            {**c, "participation": track.participation},
            {
                "company": company,
                "mission": spec["mission"],
                "vision": spec["vision"],
                "vision_grounds": f"自己診断とDX診断アドバイスで、{spec['issues']}ことが課題として確認された。",
                "targets": "2025年度の目標値：" + "、".join(f"{n} {b}{u}→{t}{u}" for n, u, b, t in kpis),
                "system_architecture": spec["system"],
                "current_state": spec["issues"],
                "action_items": f"① {spec['focus']}の仕組みの導入\n② 業務フローの見直しと標準化\n③ データに基づく月次の振り返り\n④ DX推進チームの設置",
                "schedule": "2023年度：仕組みの選定と試行\n2024年度：全社展開\n2025年度：データ活用と改善の定着",
                "organization": f"DX推進責任者：{spec['executive']}（代表）。推進リーダ：{spec['staff']}。月1回のDX推進会議で進捗を確認する。",
                "security": "クラウド利用に合わせて情報セキュリティ基本方針を定め、多要素認証とバックアップを導入する。",
                "review": "2023年2月、役員・管理職で社内レビューを実施し計画を承認。" if approved else "",
                "status": DxPlan.Status.APPROVED if approved else DxPlan.Status.DRAFT,
                "approved_at": at(2023, 2, 10 + offset % 7, 17) if approved else None,
            },
        )
        self.plan_rows(
            company,
            kpis=[(n, u, b, t, dt.date(2026, 3, 31)) for n, u, b, t in kpis],
            roadmap=[
                (f"{spec['focus']}（試行）", dt.date(2023, 4, 1), dt.date(2023, 9, 1), spec["staff"]),
                ("全社展開", dt.date(2023, 10, 1), dt.date(2024, 9, 1), spec["staff"]),
                ("データ活用と改善の定着", dt.date(2024, 10, 1), dt.date(2026, 3, 1), spec["executive"]),
            ],
            approved=approved,
        )

    def fy2022_matching(self) -> None:
        """The tool database (13 solutions with regions, prices, items, cases) and 8 needs with pipelines."""
        c = {"consortium": self.consortium}
        solutions = {}
        for (
            vendor,
            name,
            category,
            regions,
            pmin,
            pmax,
            note,
            subsidy,
            codes,
            keywords,
            description,
        ) in fy2022.SOLUTIONS_FY2022:
            values = {
                "category": category,
                "price_min": pmin,
                "price_max": pmax,
                "price_note": note,
                "it_subsidy_eligible": subsidy,
                "item_codes": codes,
                "keywords": keywords,
                "is_published": True,
            }
            if description is not None:
                values["description"] = description
            solution, _ = upsert(Solution, {**c, "vendor": self.orgs[vendor], "name": name}, values)
            wanted = {self.regions[k].pk for k in regions}
            if set(solution.regions.values_list("pk", flat=True)) != wanted:
                solution.regions.set(wanted)
            solutions[name] = solution
        for name, title, industry, size, region, summary, result in fy2022.SOLUTION_CASES:
            upsert(
                SolutionCase,
                {**c, "solution": solutions[name], "title": title},
                {
                    "industry": industry,
                    "company_size": size,
                    "region": region,
                    "summary": summary,
                    "result": result,
                },
            )
        for solution in solutions.values():
            solution_refresh_search_text(solution=solution)
        for key, spec in fy2022.MATCHING_FY2022.items():
            company = self.companies[key]
            itc = self.users[spec["itc"]]
            if key == "d":
                title = MATCHING[0][1]
                request, _ = upsert(
                    MatchingRequest,
                    {**c, "company": company, "title": title},
                    {"program": self.program, "itc": itc, "source_item_codes": spec["item_codes"]},
                )
            else:
                source_session = None
                if spec.get("source_session"):
                    source_session = AccompanimentSession._base_manager.get(
                        track__company=company, number=spec["source_session"]
                    )
                closed = spec.get("closed")
                request, _ = upsert(
                    MatchingRequest,
                    {**c, "company": company, "title": spec["title"]},
                    {
                        "category": spec["category"],
                        "source": spec["source"],
                        "description": spec["description"],
                        "status": spec["status"],
                        "created_by": itc,
                        "program": self.program,
                        "itc": itc,
                        "source_event": self.events[spec["source_event"]]
                        if spec.get("source_event")
                        else None,
                        "source_session": source_session,
                        "source_item_codes": spec["item_codes"],
                        "contract_amount": spec.get("contract_amount"),
                        "outcome_note": spec.get("outcome_note", ""),
                        "declined_reason": spec.get("declined_reason", ""),
                        "closed_at": at(*closed, 17) if closed else None,
                    },
                )
                backdate(request, at(*spec["history"][0][1], 11))
                vendors = {self.orgs[v].pk for v in spec["vendors"]}
                if set(request.vendors.values_list("pk", flat=True)) != vendors:
                    request.vendors.set(vendors)
            candidates = {solutions[n].pk for n in spec["candidates"]}
            if set(request.candidates.values_list("pk", flat=True)) != candidates:
                request.candidates.set(candidates)
            previous = ""
            for step, (status, day, note) in enumerate(spec["history"]):
                change, _ = upsert(
                    MatchingStatusChange,
                    {**c, "request": request, "to_status": status},
                    {"from_status": previous, "note": note, "changed_by": itc},
                )
                backdate(change, at(*day, 11, step))
                previous = status
            if spec.get("response"):
                answer, message, solution_name, price, day = spec["response"]
                response, _ = upsert(
                    VendorResponse,
                    {**c, "request": request, "vendor": self.orgs[VENDOR]},
                    {
                        "author": self.users["vendor@example.jp"],
                        "message": message,
                        "answer": answer,
                        "solution": solutions[solution_name] if solution_name else None,
                        "proposed_price": price,
                    },
                )
                backdate(response, at(*day, 16))

    def fy2022_registrations(self) -> None:
        """Seminar registrations of the new applicants and of non-applicant guests (some on demand)."""
        c = {"consortium": self.consortium}
        seminars = ["DX気づきセミナー", "DX自己診断説明会", "DXセミナー(1)", "DXセミナー(2)"]
        new = [k for k in self.applicants if k in fy2022.NEW_COMPANIES]
        for offset, key in enumerate(new):
            spec = self.applicants[key]
            for number, title in enumerate(seminars):
                if number >= 2 and (offset + number) % 4 == 0:
                    continue  # not everyone came to the later seminars
                on_demand = (offset + number) % 3 == 0 and self.events[title].on_demand_from is not None
                upsert(
                    SeminarRegistration,
                    {**c, "event": self.events[title], "email": spec["email"]},
                    {
                        "company": spec["company"],
                        "name": spec["executive"],
                        "organization_name": spec["name"],
                        "on_demand": on_demand,
                        "attended": not (number == 3 and offset % 5 == 1),
                    },
                )
        # 成果報告会 (3/2): the 16 selected companies present their results (two could not come).
        results_meeting = self.events["成果報告会"]
        selected = [s for s in self.applicants.values() if s["decision"] in (fy2022.ACC, fy2022.MAT)]
        for index, spec in enumerate(selected):
            upsert(
                SeminarRegistration,
                {**c, "event": results_meeting, "email": spec["email"]},
                {
                    "company": spec["company"],
                    "name": spec["executive"],
                    "organization_name": spec["name"],
                    "attended": index % 7 != 3,
                },
            )
        for index, (name, email, organization, titles, on_demand) in enumerate(fy2022.GUESTS):
            for title in titles:
                upsert(
                    SeminarRegistration,
                    {**c, "event": self.events[title], "email": email},
                    {
                        "company": None,
                        "name": name,
                        "organization_name": organization,
                        "on_demand": on_demand and self.events[title].on_demand_from is not None,
                        "attended": index % 6 != 5,
                        "status": SeminarRegistration.Status.CANCELLED
                        if index == 11
                        else SeminarRegistration.Status.REGISTERED,
                    },
                )

    def fy2022_surveys(self) -> None:
        """満足度: session surveys for most held sessions and final surveys of the completed tracks.

        Respondent: the company's demo user where one exists (A, B), else None (one answer per session)."""
        c = {"consortium": self.consortium}
        tracks = (
            AccompanimentTrack._base_manager.filter(program=self.program)
            .select_related("company")
            .order_by("company__name")
        )
        user_of = {spec["company"].pk: spec["user"] for spec in self.applicants.values()}
        for t_index, track in enumerate(tracks):
            respondent = user_of.get(track.company_id)
            for session in track.sessions.filter(status=AccompanimentSession.Status.HELD).order_by("number"):
                if (t_index + session.number) % 4 == 0:
                    continue  # not every session has an answer
                score = (
                    5 - ((t_index * 3 + session.number) % 7 == 0) - ((t_index + session.number * 2) % 5 == 0)
                )
                row, _ = upsert(
                    SatisfactionResponse,
                    {
                        **c,
                        "kind": SatisfactionResponse.Kind.SESSION,
                        "session": session,
                        "respondent": respondent,
                    },
                    {
                        "program": self.program,
                        "company": track.company,
                        "satisfaction": max(score, 3),
                        "usefulness": 5 if (t_index + session.number) % 3 else 4,
                        "comment": fy2022.SESSION_COMMENTS[
                            (t_index + session.number) % len(fy2022.SESSION_COMMENTS)
                        ],
                    },
                )
                backdate(row, at(session.date.year, session.date.month, session.date.day, 19))
            if track.status != AccompanimentTrack.Status.COMPLETED:
                continue
            row, _ = upsert(
                SatisfactionResponse,
                {
                    **c,
                    "kind": SatisfactionResponse.Kind.FINAL,
                    "program": self.program,
                    "company": track.company,
                    "respondent": respondent,
                },
                {
                    "satisfaction": 4 if t_index % 3 == 1 else 5,
                    "usefulness": 5 if t_index % 4 else 4,
                    "comment": fy2022.FINAL_COMMENTS[t_index % len(fy2022.FINAL_COMMENTS)],
                },
            )
            backdate(row, at(2023, 2, 24, 12))

    def load_2026(self) -> Program:
        """The current program (令和8年度, 自走): public form open, a seminar, the results meeting, 3 応募
        (安曇野フードテック applies again after 不選出 in 令和4年度: a new participation linked to that one).
        Returns the program."""
        c = {"consortium": self.consortium}
        spec = fy2022.PROGRAM_2026
        program, _ = upsert(
            Program, {**c, "name": spec["name"]}, {k: v for k, v in spec.items() if k != "name"}
        )
        if set(program.regions.values_list("pk", flat=True)) != {r.pk for r in self.regions.values()}:
            program.regions.set(self.regions.values())
        for kind, title, when, place, capacity, members_only, description in fy2022.EVENTS_2026:
            starts = at(*when)
            upsert(
                Event,
                {**c, "program": program, "title": title},
                {
                    "kind": kind,
                    "starts_at": starts,
                    "ends_at": starts + dt.timedelta(hours=2),
                    "place": place,
                    "capacity": capacity,
                    "members_only": members_only,
                    "description": description,
                },
            )
        normalize = normalize_company_name
        for (
            name,
            applicant,
            email,
            region,
            industry,
            employees,
            source,
            rec,
            rec_user,
            key,
            created,
            motivation,
        ) in fy2022.APPLICATIONS_2026:
            application, _ = upsert(
                CompanyApplication,
                {**c, "program": program, "company_name": name},
                {
                    "company": self.companies[key] if key else None,
                    "company_name_normalized": normalize(name),
                    "representative_name": applicant,
                    "applicant_name": applicant,
                    "department_title": "代表取締役",
                    "email": email,
                    "region": self.regions[region],
                    "industry": industry,
                    "employees": employees,
                    "motivation": motivation,
                    "source": source,
                    "recommended_by": self.orgs[rec] if rec else None,
                    "recommended_by_user": self.users[rec_user] if rec_user else None,
                    "status": CompanyApplication.Status.RECEIVED,
                    "privacy_consent": True,
                },
            )
            backdate(application, at(*created))
            if key:
                self.join(self.companies[key], program)
        return program

    def second_year(self, program: Program) -> None:
        """継続伴走: かすみ精密工業 (10 sessions and an approved plan in 令和4年度) takes part in 令和8年度
        again: its T1 re-diagnosis (same edition; five items a level higher), a new track with 3 sessions
        held and a draft plan. Its FY2022 session logs name the items they worked on, so the history page
        traces each change to the sessions that dealt with it."""
        c = {"consortium": self.consortium}
        company = self.companies["a"]
        t0 = Diagnosis._base_manager.get(company=company, participation__program=self.program)
        items = self.items
        improved = [items[i] for i in fy2022.SECOND_YEAR_IMPROVED_ITEMS]
        fy2022_track = AccompanimentTrack._base_manager.get(
            participation__program=self.program, company=company
        )
        for number, item in zip(fy2022.SECOND_YEAR_ITEM_SESSIONS, improved, strict=True):
            log = SessionLog._base_manager.get(session__track=fy2022_track, session__number=number)
            if not log.items.filter(pk=item.pk).exists():
                log.items.add(item)
        participation = self.join(company, program, Stage.ACCOMPANIMENT)
        person = self.users["company-a@example.jp"]
        t1, _ = upsert(
            Diagnosis,
            {**c, "company": company, "participation": participation, "edition": self.edition},
            {
                "status": Diagnosis.Status.SUBMITTED,
                "submitted_at": at(2026, 10, 30, 17),
                "advice_mode": Diagnosis.AdviceMode.IN_PERSON,
                "questionnaire": "2年目: 計画の実行状況を確かめ、次の段階に進みたい。",
                "dx_stage": 3,
                "created_by": person,
                "advisor": self.users["itc-ibaraki@example.jp"],
            },
        )
        backdate(t1, at(2026, 10, 20, 9))
        before = {a.item_id: a for a in DiagnosisAnswer._base_manager.filter(diagnosis=t0)}
        raised = {item.pk for item in improved}
        for item in items:
            old = before[item.pk]
            current = min(5, (old.current or 0) + (1 if item.pk in raised else 0))
            upsert(
                DiagnosisAnswer,
                {**c, "diagnosis": t1, "item": item},
                {"current": current, "target": max(current, old.target or 0)},
            )
        self.track(company, program, held=3, first=dt.date(2026, 9, 15), plan=PLAN_A, approved=False)

    def municipal_2026(self) -> None:
        """A second program of the same fiscal year (a municipal program run by the consortium), so that
        two programs are open at once: a small manufacturer takes part in it with its 自己診断申し込み."""
        c = {"consortium": self.consortium}
        spec = fy2022.MUNICIPAL_2026
        program, _ = upsert(
            Program,
            {**c, "name": spec["name"]},
            {k: v for k, v in spec.items() if k not in ("name", "company")},
        )
        if set(program.regions.values_list("pk", flat=True)) != {self.regions["ibaraki"].pk}:
            program.regions.set([self.regions["ibaraki"]])
        name, applicant, email = spec["company"]
        company, _ = upsert(
            Company,
            {**c, "name": name},
            {
                "region": self.regions["ibaraki"],
                "industry": Company.Industry.MANUFACTURING,
                "employees": 18,
                "main_bank": self.orgs["常陽銀行"],
            },
        )
        upsert(
            SelfDiagnosisApplication,
            {**c, "program": program, "company": company},
            {
                "applicant_name": applicant,
                "organization_name": company.name,
                "email": email,
                "region": self.regions["ibaraki"],
            },
        )
        self.join(company, program, Stage.APPLIED)

    def close_fy2022(self) -> None:
        """事業完了: the FY2022 program is closed (its 実績報告書 is final); its data is read-only from now on."""
        Program.objects.filter(pk=self.program.pk).update(
            closed_at=at(2023, 3, 31, 17), closed_by=self.users["coordinator@example.jp"]
        )

    def join(self, company: Company, program: Program, stage: str | None = None) -> Participation:
        """The company's participation in ``program`` (created through the service), moved forward to
        ``stage`` when given."""
        participation = participation_join(company=company, program=program)
        if stage:
            participation_advance_stage(participation=participation, stage=stage)
        return participation

    def user(self, email: str, family: str, given: str):
        """A demo user who logs in with ``email`` / DEMO_PASSWORD, with a verified primary EmailAddress."""
        from allauth.account.models import EmailAddress

        user_model = get_user_model()
        user, created = upsert(
            user_model, {"username": email}, {"email": email, "last_name": family, "first_name": given}
        )
        if created or not user.check_password(DEMO_PASSWORD):
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        upsert(EmailAddress, {"user": user, "email": email}, {"verified": True, "primary": True})
        return user

    def track(
        self, company: Company, program: Program, *, held: int, first: dt.date, plan: dict, approved: bool
    ) -> None:
        """The company's track with ``held`` sessions held and logged (twice a month), the rest planned."""
        c = {"consortium": self.consortium}
        leader = self.users["itc-ibaraki@example.jp"]
        bank_user = self.users["bank-joyo@example.jp"]
        vendor_user = self.users["vendor@example.jp"]
        executive = next(p for p in PEOPLE if p[6] and COMPANIES[p[6]][0] == company.name)
        staff = next(v[7] for v in COMPANIES.values() if v[0] == company.name)
        track, _ = upsert(
            AccompanimentTrack,
            {**c, "participation": self.join(company, program)},
            {
                "company": company,
                "program": program,
                "leader": leader,
                "bank": self.orgs["常陽銀行"],
                "status": AccompanimentTrack.Status.COMPLETED
                if held == 10
                else AccompanimentTrack.Status.ACTIVE,
            },
        )
        for number, theme in enumerate(STANDARD_SESSION_THEMES, start=1):
            date = first + dt.timedelta(days=14 * (number - 1))
            session, _ = upsert(
                AccompanimentSession,
                {**c, "track": track, "number": number},
                {
                    "theme": theme,
                    "status": AccompanimentSession.Status.HELD
                    if number <= held
                    else AccompanimentSession.Status.PLANNED,
                    "date": date,
                    "start_time": dt.time(14, 0),
                    "duration_minutes": 120,
                    "mode": AccompanimentSession.Mode.IN_PERSON
                    if number % 3
                    else AccompanimentSession.Mode.ONLINE,
                    "place": f"{company.name} 本社会議室" if number % 3 else "オンライン",
                },
            )
            if number > held:
                continue
            discussion, decisions, homework = SESSION_TEXTS[number]
            upsert(
                SessionLog,
                {**c, "session": session},
                {
                    "author": leader,
                    "agenda": f"第{number}回 {theme}\n1. 前回宿題の確認\n2. {theme}\n3. 次回までの宿題",
                    "discussion": discussion,
                    "decisions": decisions,
                    "next_session_date": date + dt.timedelta(days=14) if number < 10 else None,
                    "company_confirmed_at": at(date.year, date.month, date.day, 18),
                },
            )
            attendees = [
                (Attendance.Role.ITC_LEADER, f"{leader.last_name} {leader.first_name}"),
                (Attendance.Role.BANK_ASSISTANT, f"{bank_user.last_name} {bank_user.first_name}"),
                (Attendance.Role.COMPANY_EXECUTIVE, f"{executive[1]} {executive[2]}"),
                (Attendance.Role.COMPANY_STAFF, staff),
            ]
            if number in VENDOR_SESSION_NUMBERS:
                attendees.append(
                    (Attendance.Role.IT_VENDOR, f"{vendor_user.last_name} {vendor_user.first_name}")
                )
            for role, name in attendees:
                upsert(Attendance, {**c, "session": session, "role": role, "name": name})
            upsert(
                Homework,
                {**c, "session": session, "title": homework},
                {
                    "owner_name": staff,
                    "due_date": date + dt.timedelta(days=13),
                    "done": number < held or held == 10,
                },
            )
        upsert(
            DxPlan,
            {**c, "participation": track.participation},
            {
                "company": company,
                **plan,
                "status": DxPlan.Status.APPROVED if approved else DxPlan.Status.DRAFT,
                "approved_at": at(2023, 2, 17, 17) if approved else None,
            },
        )

    def plan_rows(self, company: Company, *, kpis: list, roadmap: list, approved: bool) -> None:
        """The plan's KPI and roadmap rows, and (approved plans) version 1 marked as the approved one."""
        from decimal import Decimal

        from accompaniment.models import PlanKpi, PlanVersion, RoadmapItem
        from accompaniment.plan.services import plan_snapshot

        c = {"consortium": company.consortium}
        plan = DxPlan._base_manager.get(company=company, participation__program=self.program)
        for order, (name, unit, baseline, target, deadline) in enumerate(kpis):
            upsert(
                PlanKpi,
                {**c, "plan": plan, "name": name},
                {
                    "unit": unit,
                    "baseline": Decimal(baseline),
                    "target": Decimal(target),
                    "deadline": deadline,
                    "order": order,
                },
            )
        for order, (title, start, end, owner) in enumerate(roadmap):
            upsert(
                RoadmapItem,
                {**c, "plan": plan, "title": title},
                {"start_month": start, "end_month": end, "owner": owner, "order": order},
            )
        if approved and not PlanVersion._base_manager.filter(plan=plan).exists():
            PlanVersion.objects.create(
                **c, plan=plan, number=1, content=plan_snapshot(plan=plan), saved_by=None, is_approved=True
            )

    # --- summary -------------------------------------------------------------------------------

    def summary(self) -> None:
        out = self.stdout
        out.write(
            self.style.SUCCESS(f"Loaded demo consortium '{SLUG}' (茨城・長野DX推進コミュニティ, 令和4年度).")
        )
        with scopes_disabled():
            for label in ("dxcommunity", "programs", "diagnosis", "accompaniment", "matching"):
                counts = ", ".join(
                    f"{m.__name__}={m._base_manager.count()}"
                    for m in apps.get_app_config(label).get_models()
                    if not m.__name__.startswith("Historical")
                )
                out.write(f"  {label}: {counts}")
        out.write(f"Log in at /accounts/login/ with password {DEMO_PASSWORD}:")
        for email, family, given, role, org, _region, company_key, _exec in PEOPLE:
            where = COMPANIES[company_key][0] if company_key else org
            out.write(f"  {email:<26} {family} {given}  {Role(role).label} / {where}")
