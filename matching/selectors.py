"""Reads for matching. Expect the tenant scope to be active."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from rules import test_rule

from dxcommunity.access import companies_fully_visible_to, object_get_for
from dxcommunity.access.rules import acts_as_coordinator, acts_as_itc, acts_as_vendor
from dxcommunity.tenancy.models import Company, MemberOrganization, Membership
from matching.models import MatchingRequest, Solution
from matching.rules import VENDOR_KINDS, maintained_vendor_id, manages_solution
from matching.solutions.search import query_terms

Status = MatchingRequest.Status


def matching_requests_visible_to(*, membership: Membership) -> QuerySet[MatchingRequest]:
    """Matching requests the membership may see (``dxcommunity.access``).

    vendor: only those addressed to its organization; everyone else: those of the companies it sees in full
    (coordinator: all; regional coordinator: its region; assigned ITC; bank staff: its linked companies;
    company member: its own) plus, for an ITC, the requests it bridges (``itc``). Stage-level viewers (ITC
    of the region without an assignment, association staff) see none: a request tells a company's needs.
    """
    qs = MatchingRequest.objects.filter(consortium=membership.consortium)
    if not membership.is_active:
        return qs.none()
    if acts_as_coordinator(membership):
        return qs
    if acts_as_vendor(membership):
        if membership.organization_id is None:
            return qs.none()
        return qs.filter(vendors=membership.organization_id).distinct()
    visible = Q(company__in=companies_fully_visible_to(membership=membership).values("pk"))
    if acts_as_itc(membership):
        visible |= Q(itc=membership.user_id)
    return qs.filter(visible)


def matching_request_get_visible(*, membership: Membership, pk: int) -> MatchingRequest:
    """One visible request with company, program and ITC loaded; ``Http404`` for missing / other tenant /
    not visible alike."""
    request = (
        matching_requests_visible_to(membership=membership)
        .select_related("company", "company__region", "created_by", "itc", "program", "source_event")
        .select_related("source_session", "source_session__track")
        .filter(pk=pk)
        .first()
    )
    if request is None:
        raise Http404("No such matching request.")
    return request


def can_manage_request(*, membership: Membership, request: MatchingRequest) -> bool:
    """May the membership move the request along its pipeline and shortlist candidates?

    The coordinator, the regional coordinator of the company's region, an ITC assigned to the company
    (perm ``programs.support_company``) and the request's bridging ITC (perm ``matching.manage_request``).
    """
    return membership.user.has_perm("matching.manage_request", request)


def can_reopen_request(*, membership: Membership, request: MatchingRequest) -> bool:
    """Reopening a closed request (契約 / 見送り): coordinators only (perm ``matching.reopen_request``)."""
    return membership.user.has_perm("matching.reopen_request", request)


def status_counts(*, requests: QuerySet[MatchingRequest]) -> list[dict[str, Any]]:
    """Counts per pipeline status of ``requests``, one query, every status present (0 when none).

    ``[{"status": "hearing", "label": "ヒアリング", "count": 3}, ...]`` in pipeline order.
    """
    found = dict(requests.order_by().values_list("status").annotate(n=Count("pk", distinct=True)))
    return [
        {"status": value, "label": label, "count": found.get(value, 0)} for value, label in Status.choices
    ]


def vendor_organizations(*, consortium) -> QuerySet[MemberOrganization]:
    """The consortium's organizations a request may be addressed to (IT vendors, IT industry associations)."""
    return MemberOrganization.objects.filter(consortium=consortium, kind__in=VENDOR_KINDS).order_by("name")


# --- tool database ---------------------------------------------------------------------------------


def vendor_organization_of(*, membership: Membership) -> int | None:
    """The organization id whose solutions the membership maintains: a vendor user (role vendor) of an
    IT_VENDOR / IT_ASSOCIATION organization; None for everyone else."""
    return maintained_vendor_id(membership)


def can_manage_solution(*, membership: Membership, solution: Solution | None = None) -> bool:
    """Coordinators manage every solution; a vendor user its own organization's (``solution=None``: may it
    add one at all?). Everyone else reads."""
    return manages_solution(membership, solution)


@dataclass(frozen=True)
class SolutionFilters:
    """Filters of the tool database; every field optional.

    price_min / price_max: 円; a solution matches when its price range overlaps [price_min, price_max]
    (a solution without a price matches only when no price filter is given).
    """

    q: str = ""
    category: str = ""
    region_id: int | None = None
    price_min: int | None = None
    price_max: int | None = None
    it_subsidy_only: bool = False
    vendor_id: int | None = None
    include_unpublished: bool = False


def solutions_search(
    *, membership: Membership, filters: SolutionFilters = SolutionFilters()
) -> QuerySet[Solution]:
    """The tool database filtered and searched; vendor loaded, regions prefetched (3 queries when iterated).

    ``q``: every whitespace-separated term must occur in ``search_text`` (folded as in
    ``matching.solutions.search``).
    Region: solutions serving that region, i.e. listing it or listing none (全地域). Unpublished rows are
    shown only with ``include_unpublished`` and then only those the membership manages (coordinators: all,
    vendor users: their own).
    """
    qs = Solution.objects.filter(consortium=membership.consortium)
    if filters.include_unpublished and test_rule("matching.manage_every_solution", membership):
        pass
    elif filters.include_unpublished and vendor_organization_of(membership=membership):
        qs = qs.filter(Q(is_published=True) | Q(vendor=vendor_organization_of(membership=membership)))
    else:
        qs = qs.filter(is_published=True)
    for term in query_terms(filters.q):
        qs = qs.filter(search_text__icontains=term)
    if filters.category:
        qs = qs.filter(category=filters.category)
    if filters.region_id:
        qs = qs.filter(Q(regions=filters.region_id) | Q(regions=None))
    if filters.price_min is not None:
        # The solution's upper bound (or its lower bound when it has no upper bound) reaches the minimum.
        qs = qs.filter(
            Q(price_max__gte=filters.price_min) | Q(price_max=None, price_min__gte=filters.price_min)
        )
    if filters.price_max is not None:
        qs = qs.filter(price_min__lte=filters.price_max)
    if filters.it_subsidy_only:
        qs = qs.filter(it_subsidy_eligible=True)
    if filters.vendor_id:
        qs = qs.filter(vendor=filters.vendor_id)
    return (
        qs.distinct().select_related("vendor").prefetch_related("regions").order_by("category", "name", "pk")
    )


def solution_get_visible(*, membership: Membership, pk: int, perm: str | None = None, user=None) -> Solution:
    """One solution with vendor, regions and cases; an unpublished one only for those who manage it.

    ``Http404`` for missing / other tenant / unpublished-and-not-yours alike (``matching.view_solution``);
    ``PermissionDenied`` when ``perm`` (e.g. ``matching.manage_solution``) is refused. ``user``: the acting
    user (``request.user``). See ``dxcommunity.access.object_get_for``.
    """
    return object_get_for(
        membership,
        Solution.objects.select_related("vendor", "updated_by").prefetch_related("regions", "cases"),
        pk=pk,
        company_field=None,
        view_perm="matching.view_solution",
        perm=perm,
        user=user,
    )


# --- diagnosis: the company's weakest items ----------------------------------------------------------


def weakest_item_codes(company: Company, n: int = 5) -> list[str]:
    """The 定性指標No. of the company's weakest DX推進指標 items, for a need from the diagnosis.

    From 「最新の診断」 (``diagnosis.selectors.diagnosis_latest_submitted``): the advisor's weak items first
    (DX診断アドバイス, ``AdvisorSession.weak_items``, in index order), then the ``n`` answered items with
    the lowest current maturity (0–5), ties broken by the largest target − current gap, then index order;
    codes are not repeated, so the list holds at most ``n`` + the advisor's items.
    ``[]`` without a submitted diagnosis. Three queries.
    """
    from diagnosis.models import AdvisorSession, DiagnosisAnswer
    from diagnosis.selectors import diagnosis_latest_submitted

    diagnosis = diagnosis_latest_submitted(company_id=company.pk, consortium_id=company.consortium_id)
    if diagnosis is None:
        return []
    codes: list[str] = list(
        AdvisorSession.weak_items.through.objects.filter(advisorsession__diagnosis=diagnosis)
        .order_by("indexitem__order")
        .values_list("indexitem__code", flat=True)
    )
    answers = DiagnosisAnswer.objects.filter(diagnosis=diagnosis, current__isnull=False).values_list(
        "item__code", "current", "target", "item__order"
    )
    ranked = sorted(answers, key=lambda a: (a[1], -((a[2] if a[2] is not None else a[1]) - a[1]), a[3]))
    computed = [code for code, *_rest in ranked if code not in codes][:n]
    return codes + computed


def current_item_codes() -> dict[str, str]:
    """{定性指標No.: title} of the current DX推進指標 edition (``IndexEdition.is_current``); {} when none."""
    from diagnosis.models import IndexEdition, IndexItem

    edition = IndexEdition.objects.filter(is_current=True).order_by("-created_at", "-pk").first()
    if edition is None:
        return {}
    return dict(IndexItem.objects.filter(edition=edition).order_by("order").values_list("code", "title"))


# --- suggestions -------------------------------------------------------------------------------------


@dataclass
class Suggestion:
    """A ranked candidate solution for a need: ``score`` (higher first) and the ``reasons`` shown."""

    solution: Solution
    score: int
    reasons: list[str] = field(default_factory=list)
    matched_items: list[str] = field(default_factory=list)
    is_candidate: bool = False
    vendor_addressed: bool = False


# Weights of the ranking: a category match outweighs everything else, each weak item served counts.
WEIGHT_CATEGORY = 4
WEIGHT_ITEM = 2
WEIGHT_REGION = 1
WEIGHT_SUBSIDY = 1


def suggestions_for_request(*, request: MatchingRequest, limit: int = 10) -> list[Suggestion]:
    """Published solutions ranked for ``request``, best first, with the reasons of each score.

    Points: the need's category (+4), each of the need's items (``source_item_codes``, else the company's
    ``weakest_item_codes``) that the solution helps with (+2 each), serving the company's region (+1;
    a solution with no region serves all), IT導入補助金 eligibility (+1). Only solutions that match the
    category or at least one item are suggested; ties by name. A constant number of queries (7) whatever
    the number of solutions: the published solutions with vendor and regions, the weakest items (3), the
    request's candidates and vendors.
    """
    items = [str(c) for c in request.source_item_codes] or weakest_item_codes(request.company)
    region_id = request.company.region_id
    region_name = request.company.region.name if region_id else ""
    candidate_ids = set(request.candidates.values_list("pk", flat=True))
    vendor_ids = set(request.vendors.values_list("pk", flat=True))
    found: list[Suggestion] = []
    solutions = (
        Solution.objects.filter(consortium=request.consortium_id, is_published=True)
        .select_related("vendor")
        .prefetch_related("regions")
    )
    for solution in solutions:
        score, reasons = 0, []
        category_match = solution.category == request.category
        if category_match:
            score += WEIGHT_CATEGORY
            reasons.append(
                _("カテゴリが一致（%(category)s）") % {"category": solution.get_category_display()}
            )
        matched = [c for c in items if c in {str(x) for x in solution.item_codes}]
        if matched:
            score += WEIGHT_ITEM * len(matched)
            reasons.append(_("弱い項目に対応（%(codes)s）") % {"codes": _("、").join(matched)})
        if not category_match and not matched:
            continue
        region_ids = {r.pk for r in solution.regions.all()}
        if not region_ids:
            score += WEIGHT_REGION
            reasons.append(_("全地域に対応"))
        elif region_id in region_ids:
            score += WEIGHT_REGION
            reasons.append(_("%(region)sに対応") % {"region": region_name})
        if solution.it_subsidy_eligible:
            score += WEIGHT_SUBSIDY
            reasons.append(_("IT導入補助金の対象"))
        found.append(
            Suggestion(
                solution=solution,
                score=score,
                reasons=reasons,
                matched_items=matched,
                is_candidate=solution.pk in candidate_ids,
                vendor_addressed=solution.vendor_id in vendor_ids,
            )
        )
    found.sort(key=lambda s: (-s.score, s.solution.name, s.solution.pk))
    return found[:limit]


# --- outcomes ----------------------------------------------------------------------------------------


def program_needs_q(program_ids: list[int], prefix: str = "") -> Q:
    """Q on MatchingRequest (through ``prefix``): the matching needs (ニーズ) of the programs — those
    recorded in the company's participation in one of them (``program``; a need recorded outside any
    program counts for none). The one rule of 実績報告書, dashboard and outcomes for "a need of the
    program"."""
    return Q(**{f"{prefix}program__in": program_ids})


def program_needs(*, consortium_id: int, program_ids: list[int]) -> QuerySet[MatchingRequest]:
    """The matching needs of the programs (``program_needs_q``), one row per need, every status."""
    return MatchingRequest.objects.filter(program_needs_q(program_ids), consortium=consortium_id)


OPEN_STATUSES: tuple[str, ...] = (Status.HEARING, Status.CANDIDATES, Status.INTRODUCTION, Status.PROPOSAL)
CLOSED_STATUSES: tuple[str, ...] = (Status.CONTRACT, Status.DECLINED)
