from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from registry.flatfile.services import study_export
from registry.models import Study


class Command(BaseCommand):
    help = "Export one study as a flat CSV v1 folder."

    def add_arguments(self, parser):
        parser.add_argument("study_code")
        parser.add_argument("folder", type=Path)

    def handle(self, study_code, folder, **options):
        study = Study.objects.filter(code=study_code).first()
        if study is None:
            raise CommandError(f"No study with code {study_code}.")
        counts = study_export(user=None, study=study, folder=folder)
        self.stdout.write(self.style.SUCCESS(f"Exported {study_code} to {folder}: {sum(counts.values())} rows."))
