"""An edit that lost the race: show both values side by side instead of overwriting (STYLE.md, rule 7).

The form comes back with the user's values and the version the other person saved, so that saving
again is a deliberate choice to keep "yours" over "theirs".
"""
from __future__ import annotations

from datetime import date

from registry.errors import EditConflict

SKIPPED = {"version", "reason"}


def _display(field, value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, tuple):  # a lab value: (number, below detection)
        number, below = value
        return f"{'<' if below else ''}{number:g}"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, date):
        return f"{value:%Y-%m-%d}"
    if hasattr(value, "pk"):
        return str(value)
    labels = {str(key): label for key, label in getattr(field, "choices", []) if key not in ("", None)}
    return str(labels.get(str(value), value))


def _theirs(name: str, values: dict):
    if name == "value" and "below_detection" in values:
        return values["value"], values["below_detection"]
    return values.get(name)


def conflict_rows(form_class, posted, record, error: EditConflict, **form_kwargs):
    """(the form re-bound at the current version, [{label, yours, theirs, differs}])."""
    data = posted.copy()
    data["version"] = str(error.current_version)
    form = form_class(data, instance=record, **form_kwargs)
    form.is_valid()
    rows = []
    for name, field in form.fields.items():
        if name in SKIPPED or name not in error.current_values and name != "value":
            continue
        yours = _display(field, form.cleaned_data.get(name))
        theirs = _display(field, _theirs(name, error.current_values))
        rows.append({"label": field.label or name, "yours": yours, "theirs": theirs, "differs": yours != theirs})
    return form, {"message": error.message, "rows": rows, "version": error.current_version}
