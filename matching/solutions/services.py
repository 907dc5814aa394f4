"""Writes of the tool database (ツールデータベース): solutions and their case examples (導入事例).

Every save refreshes ``Solution.search_text`` (``solution_refresh_search_text``), so the Japanese search
of ``matching.selectors.solutions_search`` finds the row at once. Keyword-only, typed, one transaction each;
simple-history rows are the audit trail.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from dxcommunity.concurrency import versioned_save
from dxcommunity.idempotency import create_once
from dxcommunity.tenancy.models import MemberOrganization, Membership, Region
from matching.models import Solution, SolutionCase
from matching.selectors import VENDOR_KINDS, can_manage_solution, current_item_codes, vendor_organization_of
from matching.solutions.search import normalize

SOLUTION_FIELDS: tuple[str, ...] = (
    "name",
    "category",
    "description",
    "price_min",
    "price_max",
    "price_note",
    "it_subsidy_eligible",
    "item_codes",
    "keywords",
    "url",
    "is_published",
)
CASE_FIELDS: tuple[str, ...] = ("title", "industry", "company_size", "region", "summary", "result")


def solution_search_text(solution: Solution, cases: Iterable[SolutionCase] | None = None) -> str:
    """The folded text searched for ``solution``: name, description, keywords, vendor name, category label
    (Japanese and English value), item codes, and its cases' texts; see
    ``matching.solutions.search.normalize``.

    ``cases``: the solution's cases when already loaded (else one query). Parts are joined with " | "
    before folding so that a term cannot match across two fields' boundary by accident more than by a
    separator character.
    """
    if cases is None:
        cases = list(SolutionCase.objects.filter(solution=solution)) if solution.pk else []
    parts: list[str] = [
        solution.name,
        solution.description,
        solution.keywords,
        solution.vendor.name if solution.vendor_id else "",
        str(solution.get_category_display()),
        solution.category,
        " ".join(str(c) for c in solution.item_codes or []),
    ]
    for case in cases:
        parts += [case.title, case.industry, case.company_size, case.region, case.summary, case.result]
    return "|".join(normalize(p) for p in parts if p)


def solution_refresh_search_text(*, solution: Solution) -> Solution:
    """Recompute and store ``search_text`` (update_fields only; no history row for a derived field)."""
    text = solution_search_text(solution)
    if text != solution.search_text:
        Solution.objects.filter(pk=solution.pk).update(search_text=text)
        solution.search_text = text
    return solution


def solutions_reindex(*, consortium_id: int | None = None) -> int:
    """Recompute ``search_text`` of every solution (of one consortium, or all); returns how many changed.

    For rows written without the services (demo data, imports): ``manage.py matching_reindex``.
    """
    qs = Solution.objects.select_related("vendor").prefetch_related("cases")
    if consortium_id is not None:
        qs = qs.filter(consortium_id=consortium_id)
    changed = 0
    for solution in qs:
        text = solution_search_text(solution, list(solution.cases.all()))
        if text != solution.search_text:
            Solution.objects.filter(pk=solution.pk).update(search_text=text)
            changed += 1
    return changed


def parse_item_codes(value: Any) -> list[str]:
    """Item codes from a list or from text separated by commas, 、 or whitespace; NFKC-normalized
    (``"４-１"`` → ``"4-1"``), duplicates removed, order kept."""
    import re
    import unicodedata

    if isinstance(value, (list, tuple)):
        raw = [str(v) for v in value]
    else:
        raw = re.split(r"[\s,、，]+", unicodedata.normalize("NFKC", value or ""))
    codes: list[str] = []
    for code in raw:
        code = unicodedata.normalize("NFKC", code).strip()
        if code and code not in codes:
            codes.append(code)
    return codes


def validate_item_codes(codes: Iterable[str], *, field: str = "item_codes") -> list[str]:
    """``codes`` as a list when every one is a 定性指標No. of the current DX推進指標 edition, else
    ValidationError({field: "… 9-9 …"}) naming the unknown codes."""
    codes = list(codes)
    if not codes:
        return codes
    known = current_item_codes()
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise ValidationError(
            {
                field: _("DX推進指標にない項目番号です: %(codes)s（例: 1, 1-1, 4-2）")
                % {"codes": "、".join(unknown)}
            }
        )
    return codes


def _validate_prices(price_min: int | None, price_max: int | None) -> None:
    errors = {}
    for name, value in (("price_min", price_min), ("price_max", price_max)):
        if value is not None and value < 0:
            errors[name] = _("価格は0円以上で入力してください。")
    if not errors and price_min is not None and price_max is not None and price_min > price_max:
        errors["price_max"] = _("価格の上限は下限以上にしてください。")
    if errors:
        raise ValidationError(errors)


def _vendor_for(*, membership: Membership, vendor: MemberOrganization | int | None) -> MemberOrganization:
    """The solution's vendor: a vendor user's own organization (anything else refused); a coordinator picks
    an IT_VENDOR / IT_ASSOCIATION organization of the consortium."""
    own = vendor_organization_of(membership=membership)
    if own is not None:
        vendor_id = vendor.pk if isinstance(vendor, MemberOrganization) else vendor
        if vendor_id not in (None, own):
            raise PermissionDenied
        return membership.organization
    vendor_id = vendor.pk if isinstance(vendor, MemberOrganization) else vendor
    found = MemberOrganization.objects.filter(
        consortium=membership.consortium_id, kind__in=VENDOR_KINDS, pk=vendor_id
    ).first()
    if found is None:
        raise ValidationError({"vendor": _("このコミュニティのITベンダーから選んでください。")})
    return found


@transaction.atomic
def solution_save(
    *,
    membership: Membership,
    data: dict[str, Any],
    regions: Iterable[Region | int] = (),
    vendor: MemberOrganization | int | None = None,
    solution: Solution | None = None,
    version: int | None = None,
    idempotency_key: str | None = None,
) -> Solution:
    """Create (``solution=None``) or update a solution of the tool database.

    ``idempotency_key`` (create only; the form's one-time key, dxcommunity.idempotency): the same new
    solution form sent twice creates one solution and returns it the second time.

    ``version``: the solution's ``version`` the edit form was loaded with (it covers the regions); None:
    no check. Raises ``EditConflict`` (nothing written) when someone saved the solution since.

    ``data``: the ``SOLUTION_FIELDS`` (prices in 円, ``item_codes`` list or text). Coordinators manage every
    solution and choose its ``vendor``; a vendor user (role vendor of an IT_VENDOR / IT_ASSOCIATION
    organization) only its own organization's (vendor forced to it). Others, or another organization's
    solution: PermissionDenied. Errors (ValidationError, nothing saved): price_min > price_max or a negative
    price, an item code not in the current DX推進指標 edition, a region of another consortium, a vendor that
    is not an IT vendor of the consortium. Refreshes ``search_text``.
    """
    if not can_manage_solution(membership=membership, solution=solution):
        raise PermissionDenied
    if solution is not None and solution.consortium_id != membership.consortium_id:
        raise PermissionDenied
    data = dict(data)
    data["item_codes"] = validate_item_codes(parse_item_codes(data.get("item_codes", [])))
    _validate_prices(data.get("price_min"), data.get("price_max"))
    region_ids = sorted({r.pk if isinstance(r, Region) else int(r) for r in regions})
    found_regions = list(Region.objects.filter(consortium=membership.consortium_id, pk__in=region_ids))
    if len(found_regions) != len(region_ids):
        raise ValidationError({"regions": _("このコミュニティの地域から選んでください。")})
    if solution is None:

        def create() -> Solution:
            new = Solution(consortium_id=membership.consortium_id)
            new.vendor = _vendor_for(membership=membership, vendor=vendor)
            return _solution_fill(membership=membership, solution=new, data=data, regions=found_regions)

        return create_once(
            key=idempotency_key,
            scope="matching.solution_create",
            consortium_id=membership.consortium_id,
            user=membership.user,
            create=create,
        )[0]
    if vendor is not None and membership.role in ("coordinator", "regional_coordinator"):
        solution.vendor = _vendor_for(membership=membership, vendor=vendor)
    return _solution_fill(
        membership=membership, solution=solution, data=data, regions=found_regions, version=version
    )


def _solution_fill(
    *,
    membership: Membership,
    solution: Solution,
    data: dict[str, Any],
    regions: list[Region],
    version: int | None = None,
) -> Solution:
    """Copy ``data`` onto ``solution``, validate, save (version checked), set its regions and search text."""
    for name in SOLUTION_FIELDS:
        if name in data:
            setattr(solution, name, data[name])
    solution.updated_by = membership.user
    solution.full_clean(exclude=["search_text", "version"])
    versioned_save(instance=solution, version=version)
    solution.regions.set(regions)
    return solution_refresh_search_text(solution=solution)


@transaction.atomic
def solution_set_published(*, membership: Membership, solution: Solution, published: bool) -> Solution:
    """Publish or unpublish (非公開) a solution; same permission as ``solution_save``. An unpublished
    solution leaves the search and the suggestions; requests that already list it keep it."""
    if not can_manage_solution(membership=membership, solution=solution):
        raise PermissionDenied
    solution.is_published = published
    solution.updated_by = membership.user
    solution.save(update_fields=["is_published", "updated_by", "updated_at"])
    return solution


@transaction.atomic
def solution_case_save(
    *,
    membership: Membership,
    solution: Solution,
    data: dict[str, Any],
    case: SolutionCase | None = None,
    idempotency_key: str | None = None,
) -> SolutionCase:
    """Create or update a case example (導入事例) of ``solution``; same permission as ``solution_save``.

    ``data``: the ``CASE_FIELDS``; ``title`` required (ValidationError). Refreshes the solution's
    ``search_text`` (case texts are searched). ``idempotency_key`` (create only): the same new case form
    sent twice creates one case.
    """
    if not can_manage_solution(membership=membership, solution=solution):
        raise PermissionDenied
    if case is not None and case.solution_id != solution.pk:
        raise PermissionDenied

    def save(target: SolutionCase) -> SolutionCase:
        for name in CASE_FIELDS:
            if name in data:
                setattr(target, name, (data[name] or "").strip())
        target.full_clean()
        target.save()
        solution.updated_by = membership.user
        solution.save(update_fields=["updated_by", "updated_at"])
        solution_refresh_search_text(solution=solution)
        return target

    if case is not None:
        return save(case)
    return create_once(
        key=idempotency_key,
        scope="matching.solution_case_create",
        consortium_id=solution.consortium_id,
        user=membership.user,
        create=lambda: save(SolutionCase(consortium_id=solution.consortium_id, solution=solution)),
    )[0]


@transaction.atomic
def solution_case_delete(*, membership: Membership, case: SolutionCase) -> None:
    """Delete a case example; same permission as ``solution_save``; refreshes ``search_text``."""
    solution = case.solution
    if not can_manage_solution(membership=membership, solution=solution):
        raise PermissionDenied
    case.delete()
    solution_refresh_search_text(solution=solution)
