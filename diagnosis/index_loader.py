"""Load a DX推進指標 edition from its YAML data file into IndexEdition/IndexGroup/IndexItem/MaturityLevel.

File shape (diagnosis/data/dxpi-2019.yaml, copied from ../shared/reference/): ``version``,
``maturity_levels`` [{level, name, description}], ``groups`` [{key, name, qualitative_name,
quantitative_name, items}], ``items`` [{code, group, kind key|sub, title, title_status, question,
question_status}]. A sub item's parent is the key item whose code is the part before "-".

Idempotent: loading the same file twice changes nothing; a changed file updates rows in place
(matched by edition key and item code). Texts that coordinators corrected in the admin are overwritten
only when ``overwrite_texts=True``.

A new edition (e.g. the 2026 index built on デジタルガバナンス・コード3.0) is added as data: write its YAML
file in the same shape (optional extras: top-level ``name``; per group ``short_name``), load it with
``manage.py load_index <path> --not-current``, then tick 既定の版 (``is_current``) in the admin when new
diagnoses should use it. No code changes.

``benchmarks_load()`` loads diagnosis/data/ipa-benchmarks.yaml: ``edition`` (key), ``source_note``,
``benchmarks`` [{year, companies, mean_current, mean_target, leading_share, mean_current_management,
mean_target_management, mean_current_it, mean_target_it, notes}] → ``IpaBenchmark``; ``indicators``
[name or {name, unit, calculation_method, group}] → the ``QuantitativeIndicator`` library. Idempotent.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import yaml
from django.db import transaction

from diagnosis.models import (
    IndexEdition,
    IndexGroup,
    IndexItem,
    IpaBenchmark,
    MaturityLevel,
    QuantitativeIndicator,
)

DATA_DIR = Path(__file__).resolve().parent / "data"
DEFAULT_EDITION_FILE = DATA_DIR / "dxpi-2019.yaml"
DEFAULT_BENCHMARKS_FILE = DATA_DIR / "ipa-benchmarks.yaml"
GROUP_SHORT_NAMES = {"management": "経営視点", "it_system": "IT視点"}


class IndexFileError(ValueError):
    """The index data file is malformed; the message names the entry and the field."""


@transaction.atomic
def index_load(
    *, path: Path = DEFAULT_EDITION_FILE, make_current: bool = True, overwrite_texts: bool = False
) -> IndexEdition:
    """Create or update one edition from ``path``; returns the edition. Raises IndexFileError."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, dict) or "version" not in data:
        raise IndexFileError(f"{path}: 'version' is missing")
    header = (Path(path).read_text(encoding="utf-8").split("version:")[0]).strip()
    note = "\n".join(line.lstrip("# ") for line in header.splitlines())
    edition, _created = IndexEdition.objects.get_or_create(
        key=data["version"],
        defaults={"name": data.get("name") or f"DX推進指標 ({data['version']})", "source_note": note},
    )
    if make_current:
        IndexEdition.objects.exclude(pk=edition.pk).filter(is_current=True).update(is_current=False)
        if not edition.is_current:
            edition.is_current = True
            edition.save(update_fields=["is_current"])
    for entry in data.get("maturity_levels", []):
        MaturityLevel.objects.update_or_create(
            edition=edition,
            level=int(entry["level"]),
            defaults={"name": entry["name"], "description": entry.get("description", "")},
        )
    groups: dict[str, IndexGroup] = {}
    for order, entry in enumerate(data.get("groups", [])):
        groups[entry["key"]], _ = IndexGroup.objects.update_or_create(
            edition=edition,
            key=entry["key"],
            defaults={
                "name": entry["name"],
                "qualitative_name": entry.get("qualitative_name", ""),
                "quantitative_name": entry.get("quantitative_name", ""),
                "short_name": entry.get("short_name") or GROUP_SHORT_NAMES.get(entry["key"], entry["key"]),
                "order": order,
            },
        )
    keys: dict[str, IndexItem] = {}
    for order, entry in enumerate(data.get("items", [])):
        code = str(entry.get("code", ""))
        if entry.get("group") not in groups:
            raise IndexFileError(f"{path}: item {code!r} has unknown group {entry.get('group')!r}")
        if entry.get("kind") not in IndexItem.Kind.values:
            raise IndexFileError(f"{path}: item {code!r} has kind {entry.get('kind')!r}; allowed: key, sub")
        parent = None
        if entry["kind"] == IndexItem.Kind.SUB:
            parent = keys.get(code.split("-")[0])
            if parent is None:
                raise IndexFileError(f"{path}: sub item {code!r} comes before its key item")
        defaults = {"group": groups[entry["group"]], "parent": parent, "kind": entry["kind"], "order": order}
        texts = {
            "title": entry["title"],
            "title_status": entry.get("title_status", "unknown"),
            "question": entry.get("question"),
            "question_status": entry.get("question_status", "unknown"),
        }
        item = IndexItem.objects.filter(edition=edition, code=code).first()
        if item is None:
            item = IndexItem.objects.create(edition=edition, code=code, **defaults, **texts)
        else:
            changes = dict(defaults)
            if overwrite_texts:
                changes.update(texts)
            changed = [k for k, v in changes.items() if getattr(item, k) != v]
            for k in changed:
                setattr(item, k, changes[k])
            if changed:
                item.save(update_fields=changed)
        if item.kind == IndexItem.Kind.KEY:
            keys[code] = item
    return edition


BENCHMARK_FIELDS = (
    "mean_current",
    "mean_target",
    "leading_share",
    "mean_current_management",
    "mean_target_management",
    "mean_current_it",
    "mean_target_it",
)


def _decimal(value: object) -> Decimal | None:
    return None if value is None else Decimal(str(value))


@transaction.atomic
def benchmarks_load(*, path: Path = DEFAULT_BENCHMARKS_FILE) -> tuple[int, int]:
    """Create or update IPA's benchmark figures and the 定量指標 library from ``path``.

    Returns (benchmark rows, library indicators) in the file. The edition named by ``edition`` must be
    loaded first (else ``IndexFileError``). Idempotent: rows are matched by (edition, year) and
    (edition, indicator name); library rows already there keep edits made in the admin (unit, method).
    """
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, dict) or "edition" not in data:
        raise IndexFileError(f"{path}: 'edition' is missing")
    edition = IndexEdition.objects.filter(key=data["edition"]).first()
    if edition is None:
        raise IndexFileError(f"{path}: edition {data['edition']!r} is not loaded (run load_index first)")
    source = data.get("source_note", "")
    benchmarks = data.get("benchmarks") or []
    for entry in benchmarks:
        if "year" not in entry or "companies" not in entry or entry.get("mean_current") is None:
            raise IndexFileError(f"{path}: benchmark {entry!r} needs year, companies and mean_current")
        IpaBenchmark.objects.update_or_create(
            edition=edition,
            year=int(entry["year"]),
            defaults={
                "companies": int(entry["companies"]),
                **{f: _decimal(entry.get(f)) for f in BENCHMARK_FIELDS},
                "notes": entry.get("notes", "") or "",
                "source_note": source[:300],
            },
        )
    groups = {g.key: g for g in IndexGroup.objects.filter(edition=edition)}
    indicators = data.get("indicators") or []
    for order, entry in enumerate(indicators):
        spec = {"name": entry} if isinstance(entry, str) else dict(entry)
        name = str(spec.get("name") or "").strip()
        if not name:
            raise IndexFileError(f"{path}: indicator #{order + 1} has no name")
        row, created = QuantitativeIndicator.objects.get_or_create(
            edition=edition,
            name=name,
            defaults={
                "unit": spec.get("unit", "") or "",
                "calculation_method": spec.get("calculation_method", "") or "",
                "group": groups.get(spec.get("group")),
                "source_note": source[:300],
                "order": order,
            },
        )
        if not created and row.order != order:
            row.order = order
            row.save(update_fields=["order"])
    return len(benchmarks), len(indicators)
