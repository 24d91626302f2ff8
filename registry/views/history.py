"""A patient's audit history, readable: who, when, what changed (old → new), and why.

The history rows come from django-simple-history (every write goes through a service that sets the
user and reason). Differences are computed in memory between successive versions of each record, so
the page costs one query per kind of record, not one per version.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404

from registry.models import Patient
from registry.selectors import patients_visible_to

from .common import page
from .kinds import KINDS

HIDDEN_FIELDS = {"id", "version", "updated_at", "patient", "study", "site"}
ACTIONS = {"+": "added", "~": "changed", "-": "removed"}
BULK_AFTER = 5  # more additions than this in one import or action are shown as one line


def _shown(value, field) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, date):
        return f"{value:%Y-%m-%d}"
    choices = dict(field.flatchoices) if field.choices else {}
    if isinstance(value, float):
        value = f"{value:g}"
    return str(choices.get(value, value))


def _fields(model):
    return [f for f in model._meta.concrete_fields if f.name not in HIDDEN_FIELDS]


def _entries(model, label: str, rows) -> list[dict]:
    by_record = defaultdict(list)
    for row in rows:
        by_record[row.id].append(row)
    entries = []
    for versions in by_record.values():
        versions.sort(key=lambda r: (r.history_date, r.history_id))
        previous = None
        for row in versions:
            changes = []
            if row.history_type == "~" and previous is not None:
                changes = [(f.verbose_name, _shown(getattr(previous, f.attname), f), _shown(getattr(row, f.attname), f))
                           for f in _fields(model) if getattr(previous, f.attname) != getattr(row, f.attname)]
            entries.append({
                "when": row.history_date, "who": row.history_user, "action": ACTIONS.get(row.history_type, "?"),
                "type": row.history_type, "what": label, "summary": str(row.instance),
                "reason": row.history_change_reason or "", "changes": changes,
                "values": [(f.verbose_name, _shown(getattr(row, f.attname), f)) for f in _fields(model)
                           if getattr(row, f.attname) not in (None, "")] if row.history_type != "~" else [],
            })
            previous = row
    return entries


def _grouped(entries: list[dict]) -> list[dict]:
    """Fold many additions by one person for one reason (an import) into a single line."""
    buckets = defaultdict(list)
    for entry in entries:
        if entry["type"] == "+":
            buckets[(entry["who"], entry["reason"], entry["when"].replace(second=0, microsecond=0))].append(entry)
    folded = {id(e) for group in buckets.values() if len(group) > BULK_AFTER for e in group}
    result = [e for e in entries if id(e) not in folded]
    for (who, reason, _), group in buckets.items():
        if len(group) > BULK_AFTER:
            counts = defaultdict(int)
            for entry in group:
                counts[entry["what"]] += 1
            result.append({"when": min(e["when"] for e in group), "who": who, "action": "added", "type": "bulk",
                           "what": f"{len(group)} records", "reason": reason, "changes": [], "values": [],
                           "summary": ", ".join(f"{n} {what}{'s' if n > 1 else ''}" for what, n in counts.items())})
    return sorted(result, key=lambda e: e["when"], reverse=True)


@login_required
def patient_history(request, pk: int):
    patient = get_object_or_404(patients_visible_to(request.user), pk=pk)
    entries = _entries(Patient, "patient", Patient.history.filter(id=patient.pk).select_related("history_user"))
    for kind in KINDS.values():
        rows = kind.model.history.filter(patient_id=patient.pk).select_related("history_user")
        entries += _entries(kind.model, kind.label, rows)
    return page(request, "registry/patient_history.html", {"patient": patient, "entries": _grouped(entries)},
                section="patients")
