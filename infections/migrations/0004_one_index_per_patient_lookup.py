"""Infections are found by patient through `infection_patient_onset`; their single-column index on
patient is dropped by name (see registry 0005). Hospitalizations keep theirs, only renamed now that
the model declares it."""
import django.db.models.deletion
from django.db import migrations, models


def unindexed_patient():
    return models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name="%(class)ss",
                             to="registry.patient")


class Migration(migrations.Migration):

    dependencies = [
        ("infections", "0003_alter_hospitalization_options_and_more"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(model_name="infection", name="patient", field=unindexed_patient()),
            ],
            database_operations=[
                migrations.RunSQL('DROP INDEX IF EXISTS "infections_infection_patient_id_bd8116c6"',
                                  reverse_sql='CREATE INDEX "infections_infection_patient_id_bd8116c6" '
                                              'ON "infections_infection" ("patient_id")'),
            ],
        ),
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(model_name="hospitalization", name="patient", field=unindexed_patient()),
                migrations.AddIndex(model_name="hospitalization",
                                    index=models.Index(fields=["patient"], name="hospitalization_patient")),
            ],
            database_operations=[
                migrations.RenameIndex(model_name="hospitalization", new_name="hospitalization_patient",
                                       old_fields=("patient",)),
            ],
        ),
    ]
