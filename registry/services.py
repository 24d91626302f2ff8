"""Writes to clinical data. Views, API, forms, admin and tasks call these; nothing else writes.

Each use case is one transaction: validate (shape, row, rules across records), check the version the
editor saw, write, record history with who and why, and bump the study's data revision so analyses of
older data show as stale.
"""
from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F, Max, Min

from . import access
from .choices import Role
from .errors import EditConflict, RecordInvalid
from .flatfile.kinds import event_models
from .models import Patient, PatientEvent, Site, SiteMembership, Study
from .rules import event_date_errors, patient_date_errors

User = get_user_model()


def patient_register(*, user, study: Study, site: Site, data: dict, reason: str = "") -> Patient:
    access.must_enter_data(user, site.id)
    patient = Patient(study=study, site=site, **data)
    with transaction.atomic():
        _validate(patient)
        _save(patient, user=user, reason=reason or "registered")
        _data_changed(study.id)
    return patient


def patient_update(*, user, patient: Patient, data: dict, expected_version: int, reason: str = "") -> Patient:
    access.must_enter_data(user, patient.site_id)
    with transaction.atomic():
        patient = _claim_version(patient, expected_version)
        _assign(patient, data)
        _validate(patient)
        _check_events_still_fit(patient)
        _save(patient, user=user, reason=reason or "edited")
        _data_changed(patient.study_id)
    return patient


def clinical_record_add(*, user, patient: Patient, model: type[PatientEvent], data: dict, reason: str = ""):
    """Record a course, IVIG dose, lab result, infection, hospitalization or response of a patient."""
    access.must_enter_data(user, patient.site_id)
    record = model(patient=patient, **data)
    with transaction.atomic():
        _validate(record)
        _save(record, user=user, reason=reason or "recorded")
        _data_changed(patient.study_id)
    return record


def clinical_record_update(*, user, record: PatientEvent, data: dict, expected_version: int, reason: str = ""):
    access.must_enter_data(user, record.patient.site_id)
    with transaction.atomic():
        record = _claim_version(record, expected_version)
        _assign(record, data)
        _validate(record)
        _save(record, user=user, reason=reason or "edited")
        _data_changed(record.patient.study_id)
    return record


def clinical_record_remove(*, user, record: models.Model, expected_version: int, reason: str) -> None:
    """Delete a record; its last values stay in the history with who removed it and why."""
    site_id = record.site_id if isinstance(record, Patient) else record.patient.site_id
    access.must_enter_data(user, site_id)
    if not reason.strip():
        raise RecordInvalid("A reason is required to remove a record.", fields={"reason": ["This field is required."]})
    study_id = record.study_id if isinstance(record, Patient) else record.patient.study_id
    with transaction.atomic():
        record = _claim_version(record, expected_version)
        if isinstance(record, Patient):
            _remove_events_of(record, user=user, reason=reason)
        record._history_user = user
        record._change_reason = reason
        record.delete()
        _data_changed(study_id)


def _remove_events_of(patient: Patient, *, user, reason: str) -> None:
    """Delete a patient's records one by one, so each history row says who removed it and why.

    Left to the database cascade, they would be deleted with no user and no reason in their history.
    """
    for model in event_models():
        for event in model.objects.filter(patient=patient):
            event._history_user = user
            event._change_reason = reason
            event.delete()


def membership_grant(*, granted_by, user, site: Site, role: str, deidentified_only: bool = False) -> SiteMembership:
    """Give a user a role at a site (replacing any previous role there); audited like clinical data."""
    if granted_by is not None and not granted_by.is_superuser and not site.memberships.filter(
        user=granted_by, role=Role.ADMIN
    ).exists():
        raise access.AccessDenied("Only site admins grant access to their site.")
    with transaction.atomic():
        membership = SiteMembership.objects.filter(user=user, site=site).first() or SiteMembership(user=user, site=site)
        membership.role = role
        membership.deidentified_only = deidentified_only
        _validate(membership)
        membership._history_user = granted_by
        membership._change_reason = f"granted {role}"
        membership.save()
    return membership


def _assign(instance: models.Model, data: dict) -> None:
    for field, value in data.items():
        setattr(instance, field, value)


def _validate(instance: models.Model) -> None:
    """Fields first, then the date rules (which name the field), then the named constraints.

    The date rules run before the constraints so that a diagnosis before birth is reported on
    `diagnosis_date`, not as the anonymous "constraint is violated" of the check that backs it up.
    """
    _full_clean(instance.full_clean, validate_constraints=False)
    errors = _cross_record_errors(instance)
    if errors:
        raise RecordInvalid("The record's dates do not fit the patient.", fields={k: [v] for k, v in errors.items()})
    _full_clean(instance.validate_constraints)


def _full_clean(check, **options) -> None:
    try:
        check(**options)
    except ValidationError as error:
        raise RecordInvalid("The record is not valid.", fields=_error_fields(error)) from error


def _cross_record_errors(instance: models.Model) -> dict[str, str]:
    if isinstance(instance, Patient):
        return patient_date_errors({f: getattr(instance, f) for f in
                                    ("birth_date", "diagnosis_date", "last_followup_date", "death_date")})
    if isinstance(instance, PatientEvent):
        return event_date_errors(instance.patient, {f: getattr(instance, f) for f in instance.event_date_fields})
    return {}


def _check_events_still_fit(patient: Patient) -> None:
    """A new birth, diagnosis or death date must not strand existing events outside the patient's life.

    The rules are bounds, so the earliest and latest date of each kind of record are the only ones
    that can break them: two aggregates per column, however many labs the patient has.
    """
    for model in event_models():
        for field in model.event_date_fields:
            span = model.objects.filter(patient=patient).aggregate(earliest=Min(field), latest=Max(field))
            for value in span.values():
                errors = event_date_errors(patient, {field: value}) if value is not None else {}
                if errors:
                    message = f"An existing {model._meta.verbose_name} dated {errors[field]}."
                    raise RecordInvalid(message, fields={"__all__": [message]})


def _claim_version(instance: models.Model, expected_version: int):
    """Raise EditConflict unless the row is still at the version the editor saw; lock it for this write."""
    model = type(instance)
    claimed = model.objects.filter(pk=instance.pk, version=expected_version).update(version=F("version") + 1)
    current = model.objects.get(pk=instance.pk)
    if not claimed:
        raise EditConflict(
            f"This {model._meta.verbose_name} was changed by someone else (now version {current.version}).",
            current_version=current.version,
            current_values=model_values(current),
        )
    return current


def _save(instance: models.Model, *, user, reason: str) -> None:
    instance._history_user = user
    instance._change_reason = reason
    instance.save()


def _data_changed(study_id: int) -> None:
    Study.objects.filter(pk=study_id).update(data_revision=F("data_revision") + 1)


def _error_fields(error: ValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return {field: [str(m) for e in errors for m in e.messages] for field, errors in error.error_dict.items()}
    return {"__all__": list(error.messages)}


def model_values(instance: models.Model) -> dict:
    """Field → value of a record, as shown beside a conflicting edit."""
    return {
        field.name: field.value_from_object(instance)
        for field in instance._meta.concrete_fields
        if not field.primary_key and field.name not in {"updated_at"}
    }
