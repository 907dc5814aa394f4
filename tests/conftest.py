"""Shared fixtures: two consortia and a fixed cast of users, one per role (healthchecks style).

Cast in consortium ``dx`` (茨城・長野): coordinator, regional_coordinator (地域まとめ of 茨城),
regional_coordinator_nagano (地域まとめ of 長野), itc (茨城), itc_nagano, bank_user (常陽銀行),
other_bank_user (八十二銀行), association_user (茨城県経営者協会), vendor_user (IT vendor),
company_user (経営者 of ``company``, 茨城, client of 常陽銀行), other_company_user (of ``other_company``,
長野, client of 八十二銀行). In consortium ``other``: stranger_coordinator and stranger_company.
Every user's password is ``PASSWORD``.

Test bodies run with django-scopes disabled so that setup and assertions can use the ORM freely;
requests through the test client still run inside the tenant scope set by ConsortiumMiddleware.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.contrib.auth import get_user_model
from django.test import override_settings
from django_scopes import scopes_disabled

from dxcommunity.tenancy.models import Company, Consortium, MemberOrganization, Membership, Region
from programs.models import Participation, Program

PASSWORD = "test-pass-2022!"
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# The columns of every permission matrix: the cast's users (attributes of ``cast``), then "anonymous".
MATRIX_ROLES = [
    "coordinator",
    "regional_coordinator",
    "regional_coordinator_nagano",
    "itc",
    "itc_nagano",
    "bank_user",
    "other_bank_user",
    "association_user",
    "vendor_user",
    "other_vendor_user",
    "company_user",
    "other_company_user",
    "stranger_coordinator",
    "anonymous",
]
Role = Membership.Role
Kind = MemberOrganization.Kind


@pytest.fixture(autouse=True)
def _scopes_disabled_in_tests(request):
    if "no_scope_disable" in request.keywords:
        yield
        return
    with scopes_disabled():
        yield


@pytest.fixture(autouse=True)
def _celery_eager(request, settings):
    """Tasks run in process, even when REDIS_URL is set (CI sets it for the ``celery_worker`` tests).

    The Celery app copies Django settings once, so ``app.conf`` is set as well as the setting.
    Tests marked ``celery_worker`` switch eager mode off themselves.
    """
    if "celery_worker" in request.keywords:
        yield
        return
    from dxcommunity.celery import app

    saved = app.conf.task_always_eager
    settings.CELERY_TASK_ALWAYS_EAGER = True
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = saved


@pytest.fixture(autouse=True)
def _media_root(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _database_cache(settings):
    """The database cache (the one used without REDIS_URL), even when REDIS_URL is set.

    Tests call ``cache.clear()``; on Redis that would empty the database that is also the Celery broker.
    In the database the entries of a test are rolled back with it.
    """
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": settings.CACHE_TABLE,
        }
    }


def make_user(email: str, name: str = ""):
    """A user who can log in with ``email`` / ``PASSWORD``."""
    user = get_user_model().objects.create_user(username=email, email=email, password=PASSWORD)
    if name:
        last, _, first = name.partition(" ")
        user.last_name, user.first_name = last, first
        user.save(update_fields=["last_name", "first_name"])
    from allauth.account.models import EmailAddress

    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user


def add_member(consortium, user, role, *, organization=None, company=None, region=None, is_executive=False):
    return Membership.objects.create(
        consortium=consortium,
        user=user,
        role=role,
        organization=organization,
        company=company,
        region=region,
        is_executive=is_executive,
    )


def build_cast() -> SimpleNamespace:
    """Create the fixed cast (see module docstring) and the DX推進指標 2019 edition; returns the namespace.

    Called once per test session (and again after a transactional test emptied the database); tests
    get the rows through the ``cast`` fixture.
    """
    from diagnosis.index_loader import index_load

    c = SimpleNamespace()
    c.index_edition = index_load()
    c.consortium = Consortium.objects.create(name="茨城・長野DX推進コミュニティ", slug="dx")
    c.ibaraki = Region.objects.create(consortium=c.consortium, name="茨城県", key="ibaraki")
    c.nagano = Region.objects.create(consortium=c.consortium, name="長野県", key="nagano")
    org = lambda name, kind, region: MemberOrganization.objects.create(  # noqa: E731
        consortium=c.consortium, name=name, kind=kind, region=region
    )
    c.itc_org = org("ITコーディネータ茨城", Kind.ITC, c.ibaraki)
    c.itc_nagano_org = org("長野県ITコーディネータ協議会", Kind.ITC, c.nagano)
    c.bank = org("常陽銀行", Kind.BANK, c.ibaraki)
    c.other_bank = org("八十二銀行", Kind.BANK, c.nagano)
    c.association = org("茨城県経営者協会", Kind.EMPLOYER_ASSOCIATION, c.ibaraki)
    c.vendor = org("テスト情報システム株式会社", Kind.IT_VENDOR, c.ibaraki)
    c.other_vendor = org("長野テックソリューションズ", Kind.IT_VENDOR, c.nagano)
    c.program = Program.objects.create(
        consortium=c.consortium,
        name="令和4年度 茨城・長野DX推進コミュニティ",
        fiscal_year=2022,
        capacity=16,
        # No last days: the cast's work is done today, whatever the date (windows: tests set their own).
        self_diagnosis_from=dt.date(2022, 7, 25),
        accompaniment_from=dt.date(2022, 9, 12),
    )
    c.program.regions.set([c.ibaraki, c.nagano])
    c.company = Company.objects.create(
        consortium=c.consortium,
        name="テスト精密工業株式会社",
        region=c.ibaraki,
        industry=Company.Industry.MANUFACTURING,
        main_bank=c.bank,
        recommended_by=c.association,
    )
    c.other_company = Company.objects.create(
        consortium=c.consortium,
        name="信州テスト建設株式会社",
        region=c.nagano,
        industry=Company.Industry.CONSTRUCTION,
        main_bank=c.other_bank,
    )
    # Both companies take part in the cast's program (registered stage).
    c.participation = Participation.objects.create(
        consortium=c.consortium, company=c.company, program=c.program
    )
    c.other_participation = Participation.objects.create(
        consortium=c.consortium, company=c.other_company, program=c.program
    )
    c.coordinator = make_user("coordinator@example.com", "事務 花子")
    add_member(c.consortium, c.coordinator, Role.COORDINATOR)
    c.regional_coordinator = make_user("rc-ibaraki@example.com", "水戸 地域")
    add_member(c.consortium, c.regional_coordinator, Role.REGIONAL_COORDINATOR, region=c.ibaraki)
    c.regional_coordinator_nagano = make_user("rc-nagano@example.com", "松本 地域")
    add_member(c.consortium, c.regional_coordinator_nagano, Role.REGIONAL_COORDINATOR, region=c.nagano)
    c.itc = make_user("itc@example.com", "伴走 一郎")
    add_member(c.consortium, c.itc, Role.ITC, organization=c.itc_org, region=c.ibaraki)
    c.itc_nagano = make_user("itc-nagano@example.com", "信州 次郎")
    add_member(c.consortium, c.itc_nagano, Role.ITC, organization=c.itc_nagano_org, region=c.nagano)
    c.bank_user = make_user("bank@example.com", "常陽 三郎")
    add_member(c.consortium, c.bank_user, Role.BANK_STAFF, organization=c.bank, region=c.ibaraki)
    c.other_bank_user = make_user("bank82@example.com", "八十二 四郎")
    add_member(c.consortium, c.other_bank_user, Role.BANK_STAFF, organization=c.other_bank, region=c.nagano)
    c.association_user = make_user("assoc@example.com", "協会 五子")
    add_member(c.consortium, c.association_user, Role.ASSOCIATION_STAFF, organization=c.association)
    c.vendor_user = make_user("vendor@example.com", "開発 六郎")
    add_member(c.consortium, c.vendor_user, Role.VENDOR, organization=c.vendor)
    c.other_vendor_user = make_user("vendor2@example.com", "技術 七美")
    add_member(c.consortium, c.other_vendor_user, Role.VENDOR, organization=c.other_vendor)
    c.company_user = make_user("ceo@example.com", "精密 太郎")
    add_member(c.consortium, c.company_user, Role.COMPANY_MEMBER, company=c.company, is_executive=True)
    c.other_company_user = make_user("ceo2@example.com", "建設 八郎")
    add_member(
        c.consortium, c.other_company_user, Role.COMPANY_MEMBER, company=c.other_company, is_executive=True
    )

    c.other = Consortium.objects.create(name="他地域DX推進コミュニティ", slug="other")
    c.other_region = Region.objects.create(consortium=c.other, name="他県", key="other")
    c.stranger_company = Company.objects.create(
        consortium=c.other, name="他地域商事株式会社", region=c.other_region
    )
    c.stranger_coordinator = make_user("stranger@example.com", "他所 九郎")
    add_member(c.other, c.stranger_coordinator, Role.COORDINATOR)
    # Coordinators must have TOTP (dxcommunity.accounts.mfa), as in production.
    give_totp(c.coordinator)
    give_totp(c.regional_coordinator)
    give_totp(c.regional_coordinator_nagano)
    give_totp(c.stranger_coordinator)
    return c


class CastStore:
    """The primary keys of the committed cast: ``{attribute: (model, pk)}``; empty until first built."""

    def __init__(self) -> None:
        self.keys: dict[str, tuple[type, int]] = {}
        self.blocker = None
        self.stale = False

    def build(self) -> None:
        """Create the cast in the test database, committed (outside any test transaction)."""
        with self.blocker.unblock(), scopes_disabled(), override_settings(PASSWORD_HASHERS=FAST_HASHERS):
            cast = build_cast()
        self.keys = {name: (type(obj), obj.pk) for name, obj in vars(cast).items()}
        self.stale = False

    def rebuild_if_gone(self) -> None:
        """Build the cast again if the database was emptied (a skipped transactional test flushed nothing)."""
        model, pk = self.keys["consortium"]
        with self.blocker.unblock():
            present = model._base_manager.filter(pk=pk).exists()
        if present:
            self.stale = False
        else:
            self.build()

    def load(self) -> SimpleNamespace:
        """Fresh instances of every cast object (one query per model), as a namespace."""
        by_model: dict[type, list[int]] = {}
        for model, pk in self.keys.values():
            by_model.setdefault(model, []).append(pk)
        rows = {model: model._base_manager.in_bulk(pks) for model, pks in by_model.items()}
        missing = [name for name, (model, pk) in self.keys.items() if pk not in rows[model]]
        assert not missing, f"cast rows missing from the database: {missing}"
        # As when the cast was created: a cast object's foreign key to another cast object is that object.
        for model, objects in rows.items():
            for obj in objects.values():
                for field in model._meta.concrete_fields:
                    if field.many_to_one or field.one_to_one:
                        target = rows.get(field.related_model, {}).get(getattr(obj, field.attname))
                        if target is not None:
                            field.set_cached_value(obj, target)
        return SimpleNamespace(**{name: rows[model][pk] for name, (model, pk) in self.keys.items()})


_CAST = CastStore()


def _is_transactional(item: pytest.Item) -> bool:
    """Whether pytest-django runs ``item`` as a TransactionTestCase (the database is flushed after it)."""
    marker = item.get_closest_marker("django_db")
    if marker and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")):
        return True
    names = getattr(item, "fixturenames", ())
    return any(n in names for n in ("transactional_db", "live_server", "django_db_reset_sequences"))


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under pytest-xdist (``--dist loadgroup``) the tests that cannot run side by side share one worker.

    ``celery_worker`` tests start real Celery workers on the one REDIS_URL broker (a worker of one test
    would take the other's tasks); the e2e tests drive one headless Chromium each against a live server
    and would fight over the two cores.
    """
    for item in items:
        if "celery_worker" in item.keywords:
            item.add_marker(pytest.mark.xdist_group("celery_worker"))
        elif "e2e" in item.keywords or "live_server" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.xdist_group("e2e"))


def mark_cast_flushed() -> None:
    """Say that the database was emptied (``flush``): the next test that needs the cast builds it again."""
    _CAST.stale = True


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item):
    """Rebuild the cast, before the test's fixtures, when a transactional test flushed it away."""
    # Every test, not only those naming ``cast``: a fixture may ask for it with getfixturevalue().
    if _CAST.stale and _CAST.keys:
        _CAST.rebuild_if_gone()
    return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """A transactional test ends with the database flushed: the cast has to be built again."""
    try:
        return (yield)
    finally:
        if _is_transactional(item):
            _CAST.stale = True


@pytest.fixture(scope="session")
def _cast_store(django_db_setup, django_db_blocker) -> CastStore:
    """The cast, committed once per session (per xdist worker) in the test database."""
    if not _CAST.keys:
        _CAST.blocker = django_db_blocker
        _CAST.build()
    return _CAST


@pytest.fixture
def index_edition(db, _cast_store):
    """The DX推進指標 2019 edition loaded from the project's data file."""
    model, pk = _cast_store.keys["index_edition"]
    return model._base_manager.get(pk=pk)


@pytest.fixture
def cast(db, _cast_store, index_edition):
    """The fixed cast (see module docstring) as a namespace of fresh instances.

    The rows are built once per session; each test gets new Python objects, and its database changes
    are rolled back with it (transactional tests: the cast is built again after the flush).
    """
    return _cast_store.load()


@pytest.fixture
def login(client):
    """``login(user)`` logs the test client in and returns it."""

    def _login(user):
        client.force_login(user)
        return client

    return _login


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    """MD5 instead of PBKDF2 in tests: one PBKDF2 hash costs ~0.7 s here and the cast has 11 users."""
    settings.PASSWORD_HASHERS = FAST_HASHERS


TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # base32; tests compute codes from it


def give_totp(user, secret: str = TOTP_SECRET):
    """Give ``user`` an activated TOTP authenticator (allauth.mfa) with ``secret``; returns it."""
    from allauth.mfa.totp.internal.auth import TOTP

    return TOTP.activate(user, secret).instance
