"""The one access mechanism: what a member organization's user may see of a company.

Every app asks this module; no app repeats a visibility filter of its own.

Levels (``AccessLevel``, ordered, compare with ``>=``):

| level      | may see                                                                   |
| ---------- | ------------------------------------------------------------------------- |
| NONE       | nothing: the company is "missing" (404)                                   |
| STAGE      | the company's name, region, industry and stage                            |
| FULL_READ  | also its diagnosis, advice, track, session logs, plan and documents       |
| FULL       | as FULL_READ; what it may change is then decided by each app's rules      |

Rules, per role of the membership (all within the membership's own consortium only):

- coordinator (全体まとめ): FULL on every company;
- regional coordinator (地域まとめ): FULL in its region, NONE elsewhere;
- ITC: FULL where assigned (track leader, DX診断アドバイザー of one of its diagnoses, or the advisor who
  recorded its DX診断アドバイス), STAGE for the rest of its region (the pipeline);
- bank staff: FULL_READ for the companies linked to its bank (main bank, recommender, the track's
  assisting bank);
- association / support-agency staff: STAGE for the companies it recommended;
- vendor: STAGE for the companies with a matching request addressed to its organization;
- company member: FULL on its own company;
- anyone whose organization the company shared a subject with (``CompanyShare`` not revoked): at least
  STAGE on the company and that subject (``can_see_subject``).

``company_access`` decides for one company; ``companies_visible_to`` (STAGE or more),
``companies_fully_visible_to`` (FULL_READ or more) and ``companies_with_subject_visible_to`` are the
queryset counterparts for list pages. A test keeps both sides equal for every role.

``object_get_for`` fetches one object by pk for a view: ``Http404`` when it is not visible (missing, other
tenant, company not visible), ``PermissionDenied`` (403) when it is visible but the action's perm is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import IntEnum
from functools import cached_property
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import Http404

from dxcommunity import registry
from dxcommunity.consent.models import CompanyShare
from dxcommunity.tenancy.models import Company, Membership

Role = Membership.Role
Subject = CompanyShare.Subject

__all__ = [
    "AccessLevel",
    "CompanyFacts",
    "Subject",
    "can_see_subject",
    "companies_fully_visible_to",
    "companies_visible_to",
    "companies_with_subject_visible_to",
    "company_access",
    "company_get_fully_visible",
    "company_get_visible",
    "is_assigned_itc",
    "object_get_for",
]

M = TypeVar("M", bound=Model)


class AccessLevel(IntEnum):
    """How much of a company a membership may see (ordered)."""

    NONE = 0
    STAGE = 1
    FULL_READ = 2
    FULL = 3


class CompanyFacts:
    """The relations of one company that access depends on, each loaded once on first use.

    Lets ``company_access`` be asked for many memberships (the consent page) without repeating queries.
    The journey apps provide the relations they own (``dxcommunity.registry``), each called with the company
    and ``memo``, a dict shared by the providers of one CompanyFacts (a provider may keep a loaded row there
    for another, e.g. the track for both its leader and its bank):

    - ``access.assigned_users(company, memo)``: ids of the users assigned to the company (track leader,
      DX診断アドバイザー, advisor of a recorded session);
    - ``access.linked_banks(company, memo)``: ids of organizations linked as a bank besides the main bank and
      the recommender (the track's assisting bank);
    - ``access.addressed_vendors(company, memo)``: ids of organizations a matching request is addressed to.
    """

    def __init__(self, company: Company) -> None:
        self.company = company
        self.memo: dict[str, Any] = {}

    def _ids(self, hook: str) -> set[int]:
        ids: set[int] = set()
        for found in registry.ask(hook, self.company, self.memo):
            ids.update(i for i in found if i)
        return ids

    @cached_property
    def assigned_itc_user_ids(self) -> frozenset[int]:
        """Users assigned to the company: track leader, DX診断アドバイザー, advisor of a recorded session."""
        return frozenset(self._ids("access.assigned_users"))

    @cached_property
    def linked_bank_ids(self) -> frozenset[int]:
        """Organizations linked as a bank: main bank, recommender, the track's assisting bank."""
        ids = {self.company.main_bank_id, self.company.recommended_by_id} | self._ids("access.linked_banks")
        return frozenset(i for i in ids if i)

    @cached_property
    def addressed_vendor_ids(self) -> frozenset[int]:
        """Organizations a matching request of the company is addressed to."""
        return frozenset(self._ids("access.addressed_vendors"))

    @cached_property
    def shares(self) -> dict[int, frozenset[str]]:
        """Active shares: organization id -> subjects (``CompanyShare.Subject`` values)."""
        found: dict[int, set[str]] = {}
        for org_id, subject in CompanyShare.objects.filter(
            consortium_id=self.company.consortium_id, company=self.company, revoked_at__isnull=True
        ).values_list("organization_id", "subject"):
            found.setdefault(org_id, set()).add(subject)
        return {k: frozenset(v) for k, v in found.items()}


def _own_level(membership: Membership, company: Company, facts: CompanyFacts) -> AccessLevel:
    """The level from the role and the relations alone (shares not counted)."""
    role = membership.role
    if role == Role.COORDINATOR:
        return AccessLevel.FULL
    if role == Role.REGIONAL_COORDINATOR:
        return AccessLevel.FULL if membership.region_id == company.region_id else AccessLevel.NONE
    if role == Role.COMPANY_MEMBER:
        return AccessLevel.FULL if membership.company_id == company.pk else AccessLevel.NONE
    if role == Role.ITC:
        if membership.user_id in facts.assigned_itc_user_ids:
            return AccessLevel.FULL
        if membership.region_id is not None and membership.region_id == company.region_id:
            return AccessLevel.STAGE
        return AccessLevel.NONE
    org = membership.organization_id
    if org is None:
        return AccessLevel.NONE
    if role == Role.BANK_STAFF and org in facts.linked_bank_ids:
        return AccessLevel.FULL_READ
    if role == Role.ASSOCIATION_STAFF and org == company.recommended_by_id:
        return AccessLevel.STAGE
    if role == Role.VENDOR and org in facts.addressed_vendor_ids:
        return AccessLevel.STAGE
    return AccessLevel.NONE


def _applies(membership: Membership | None, company: Company | None) -> bool:
    return (
        membership is not None
        and company is not None
        and membership.is_active
        and company.pk is not None
        and membership.consortium_id == company.consortium_id
    )


def company_access(
    *, membership: Membership | None, company: Company | None, facts: CompanyFacts | None = None
) -> AccessLevel:
    """How much of ``company`` the membership may see (see the module docstring for the rules).

    NONE for a missing membership, an inactive one, or a company of another consortium. ``facts`` may be
    passed to share the loaded relations between calls for the same company. At most 5 queries.
    """
    if not _applies(membership, company):
        return AccessLevel.NONE
    facts = facts or CompanyFacts(company)
    level = _own_level(membership, company, facts)
    if level == AccessLevel.NONE and membership.organization_id in facts.shares:
        return AccessLevel.STAGE
    return level


def can_see_subject(
    *, membership: Membership | None, company: Company | None, subject: str, facts: CompanyFacts | None = None
) -> bool:
    """May the membership see the company's diagnosis or plan (``subject``: ``CompanyShare.Subject``)?

    True with FULL_READ or more, or when the company shares ``subject`` with the membership's organization.
    """
    if not _applies(membership, company):
        return False
    facts = facts or CompanyFacts(company)
    if _own_level(membership, company, facts) >= AccessLevel.FULL_READ:
        return True
    org = membership.organization_id
    return org is not None and subject in facts.shares.get(org, frozenset())


def is_assigned_itc(*, membership: Membership | None, company: Company | None) -> bool:
    """An ITC assigned to the company (track leader or DX診断アドバイザー)."""
    return (
        membership is not None
        and membership.role == Role.ITC
        and company_access(membership=membership, company=company) >= AccessLevel.FULL
    )


# --- querysets -----------------------------------------------------------------------------------


def _provided_q(hook: str, key: int) -> Q:
    """Companies the journey apps relate to ``key`` through ``hook`` (a user or an organization id).

    Each provider of ``access.<relation>_q(key)`` returns a ``Q`` on Company (e.g. ``pk__in`` a subquery);
    they are OR-ed. Hooks: ``access.assigned_users_q(user_id)``, ``access.linked_banks_q(org_id)``,
    ``access.addressed_vendors_q(org_id)``, the queryset sides of the CompanyFacts hooks.
    """
    q = _nothing()
    for found in registry.ask(hook, key):
        q |= found
    return q


def _shared_q(org_id: int, subject: str | None = None) -> Q:
    shares = CompanyShare.objects.filter(organization=org_id, revoked_at__isnull=True)
    if subject is not None:
        shares = shares.filter(subject=subject)
    return Q(pk__in=shares.values("company"))


def _nothing() -> Q:
    return Q(pk__in=[])


def _full_read_q(membership: Membership) -> Q | None:
    """Companies seen at FULL_READ or more, as a filter on Company; None means all of them.

    (``Q()`` cannot stand for "all": ``Q() | q`` is ``q``.)
    """
    role = membership.role
    if role == Role.COORDINATOR:
        return None
    if role == Role.REGIONAL_COORDINATOR:
        return Q(region=membership.region_id) if membership.region_id else _nothing()
    if role == Role.COMPANY_MEMBER:
        return Q(pk=membership.company_id) if membership.company_id else _nothing()
    if role == Role.ITC:
        return _provided_q("access.assigned_users_q", membership.user_id)
    if role == Role.BANK_STAFF and membership.organization_id:
        org = membership.organization_id
        return Q(main_bank=org) | Q(recommended_by=org) | _provided_q("access.linked_banks_q", org)
    return _nothing()


def _stage_only_q(membership: Membership) -> Q:
    """Companies seen at STAGE through the role's relations (shares not counted)."""
    role, org = membership.role, membership.organization_id
    if role == Role.ITC:
        return Q(region=membership.region_id) if membership.region_id else _nothing()
    if role == Role.ASSOCIATION_STAFF and org:
        return Q(recommended_by=org)
    if role == Role.VENDOR and org:
        return _provided_q("access.addressed_vendors_q", org)
    return _nothing()


def _base(membership: Membership) -> QuerySet[Company]:
    if not membership.is_active:
        return Company.objects.none()
    return Company.objects.filter(consortium=membership.consortium_id)


def companies_visible_to(*, membership: Membership) -> QuerySet[Company]:
    """Companies the membership sees at STAGE level or more (list pages). No duplicates."""
    full = _full_read_q(membership)
    if full is None:
        return _base(membership)
    q = full | _stage_only_q(membership)
    if membership.organization_id:
        q |= _shared_q(membership.organization_id)
    return _base(membership).filter(q)


def companies_fully_visible_to(*, membership: Membership) -> QuerySet[Company]:
    """Companies the membership sees at FULL_READ level or more. No duplicates."""
    full = _full_read_q(membership)
    return _base(membership) if full is None else _base(membership).filter(full)


def companies_with_subject_visible_to(*, membership: Membership, subject: str) -> QuerySet[Company]:
    """Companies whose ``subject`` (diagnosis / plan) the membership may see: FULL_READ or shared."""
    full = _full_read_q(membership)
    if full is None:
        return _base(membership)
    if membership.organization_id:
        full |= _shared_q(membership.organization_id, subject)
    return _base(membership).filter(full)


# --- one object ----------------------------------------------------------------------------------


def _visible_companies(membership: Membership, level: AccessLevel) -> QuerySet[Company]:
    if level == AccessLevel.STAGE:
        return companies_visible_to(membership=membership)
    if level == AccessLevel.FULL_READ:
        return companies_fully_visible_to(membership=membership)
    raise ValueError(f"object_get_for: level must be STAGE or FULL_READ, not {level!r}")


def object_get_for(
    membership: Membership | None,
    queryset_or_model: QuerySet[M] | type[M],
    *,
    pk: Any,
    perm: str | None = None,
    view_perm: str | None = None,
    perm_on: Callable[[M], Any] | None = None,
    company_field: str | None = "company",
    level: AccessLevel = AccessLevel.STAGE,
    user: Any = None,
) -> M:
    """One object of the membership's consortium for an action: 404 if not visible, 403 if not allowed.

    "Missing" and "not yours" are the same answer (a user who may not see an object cannot tell whether it
    exists); "visible but not allowed" is a 403, so that the page can say so.

    - ``queryset_or_model``: a model class or a queryset to look in (often a ``*_visible_to`` queryset, with
      its ``select_related``); it is narrowed to ``membership.consortium_id``.
    - ``pk``: the primary key from the URL or the form (int or digit string).
    - ``company_field``: the row's relation to its ``Company`` (``"company"``, ``"track__company"``,
      ``"session__track__company"``, …): the row is visible only when that company is visible to the
      membership at ``level`` (``AccessLevel.STAGE`` or ``FULL_READ``; ``companies_visible_to`` /
      ``companies_fully_visible_to``). A ``Company`` queryset is checked on its own rows; ``None`` skips
      the company check (programs, events, solutions: consortium-wide rows).
    - ``view_perm``: a django-rules permission needed to see the object at all; refused means 404.
    - ``perm``: the permission of the action; refused means 403 (``PermissionDenied``).
    - ``perm_on``: what the perms are checked on (default: the object), e.g. ``lambda s: s.track.company``
      for the company-level perms of a session.
    - ``user``: the acting user (``request.user``); default ``membership.user`` (one more query unless it is
      loaded; the rules then reuse ``membership``).

    Returns the object. Raises ``Http404`` for no membership or an inactive one, a ``pk`` that is not an
    integer, no such row in the consortium, a row whose company is not visible, or a refused ``view_perm``;
    ``PermissionDenied`` for a refused ``perm``. One query for the row (the visibility filter is a subquery)
    plus whatever the rules need.
    """
    if membership is None or not membership.is_active:
        raise Http404("Not found.")
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404("Not found.") from None
    if isinstance(queryset_or_model, QuerySet):
        qs = queryset_or_model
    else:
        qs = queryset_or_model._default_manager.all()
    qs = qs.filter(consortium_id=membership.consortium_id)
    if qs.model is Company:
        qs = qs.filter(pk__in=_visible_companies(membership, level).values("pk"))
    elif company_field is not None:
        qs = qs.filter(**{f"{company_field}__in": _visible_companies(membership, level).values("pk")})
    obj = qs.filter(pk=pk).first()
    if obj is None:
        raise Http404("Not found.")
    if view_perm is None and perm is None:
        return obj
    if user is None:
        user = membership.user
        # The rules look the membership up per consortium on the user (programs.rules.membership_for).
        user.__dict__.setdefault("_membership_cache", {}).setdefault(membership.consortium_id, membership)
    target = perm_on(obj) if perm_on is not None else obj
    if view_perm is not None and not user.has_perm(view_perm, target):
        raise Http404("Not found.")
    if perm is not None and not user.has_perm(perm, target):
        raise PermissionDenied
    return obj


def company_get_visible(*, membership: Membership, pk: int, perm: str | None = None, user=None) -> Company:
    """One company the membership sees at STAGE level or more; ``Http404`` for missing, other tenant and
    not visible alike. Pages that show more than the stage use ``company_get_fully_visible``.

    ``perm`` (a rule on Company, e.g. ``programs.view_consent``): refused means ``PermissionDenied`` (403);
    ``user``: the acting user (``request.user``). See ``object_get_for``.
    """
    return object_get_for(
        membership,
        Company.objects.select_related("region", "main_bank", "recommended_by"),
        pk=pk,
        perm=perm,
        user=user,
    )


def company_get_fully_visible(*, membership: Membership, pk: int) -> Company:
    """One company the membership sees in full (FULL_READ or more); ``Http404`` otherwise (also when it
    sees only the stage: the full pages do not exist for it)."""
    company = company_get_visible(membership=membership, pk=pk)
    if company_access(membership=membership, company=company) < AccessLevel.FULL_READ:
        raise Http404("No such company.")
    return company
