"""Drop the single-column indexes that a composite index starting with the same column already serves.

The records of a patient are found through each kind's own index starting with patient (doses by
patient and date; courses by patient, kind and date), the patients of a study through
`patient_unique_id_per_study` and those of a site through `patient_site_study`. Every imported row
updated both. Responses have no composite index, and lab results keep theirs for reading a patient's
labs in the order they are stored (see LabResult.Meta): those single-column indexes stay, only renamed
now that the models declare them.

The indexes are dropped by name rather than by AlterField, which would also drop and re-add (and so
re-check over every row) the foreign keys; the names are Django's own, the same on every database.
"""
import django.db.models.deletion
from django.db import migrations, models


def unindexed(to: str, on_delete, related_name: str):
    return models.ForeignKey(db_index=False, on_delete=on_delete, related_name=related_name, to=to)


def drop_index(table: str, column: str, name: str):
    return migrations.RunSQL(f'DROP INDEX IF EXISTS "{name}"',
                             reverse_sql=f'CREATE INDEX "{name}" ON "{table}" ("{column}")')


def declared_and_renamed(model: str, name: str):
    """The single-column index on patient, now declared in Meta.indexes: renamed in place, not rebuilt."""
    return migrations.SeparateDatabaseAndState(
        state_operations=[
            migrations.AlterField(model_name=model, name="patient", field=unindexed(*PATIENT_OF_RECORD)),
            migrations.AddIndex(model_name=model, index=models.Index(fields=["patient"], name=name)),
        ],
        database_operations=[migrations.RenameIndex(model_name=model, new_name=name, old_fields=("patient",))],
    )


PATIENT_OF_RECORD = ("registry.patient", django.db.models.deletion.CASCADE, "%(class)ss")


class Migration(migrations.Migration):

    dependencies = [
        ("registry", "0004_alter_ivigdose_options_alter_labresult_options_and_more"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(model_name="ivigdose", name="patient", field=unindexed(*PATIENT_OF_RECORD)),
                migrations.AlterField(model_name="treatmentcourse", name="patient",
                                      field=unindexed(*PATIENT_OF_RECORD)),
                migrations.AlterField(model_name="patient", name="site",
                                      field=unindexed("registry.site", django.db.models.deletion.PROTECT, "patients")),
                migrations.AlterField(model_name="patient", name="study",
                                      field=unindexed("registry.study", django.db.models.deletion.PROTECT, "patients")),
            ],
            database_operations=[
                drop_index("registry_ivigdose", "patient_id", "registry_ivigdose_patient_id_85408542"),
                drop_index("registry_treatmentcourse", "patient_id", "registry_treatmentcourse_patient_id_f958a221"),
                drop_index("registry_patient", "site_id", "registry_patient_site_id_55118a07"),
                drop_index("registry_patient", "study_id", "registry_patient_study_id_6e9d89f1"),
            ],
        ),
        declared_and_renamed("responseassessment", "response_patient"),
        declared_and_renamed("labresult", "lab_patient"),
    ]
