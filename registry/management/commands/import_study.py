from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from registry.errors import RegistryError
from registry.flatfile.reader import FolderInvalid
from registry.flatfile.services import study_import


class Command(BaseCommand):
    help = "Import one study folder in the flat CSV v1 format, all or nothing."

    def add_arguments(self, parser):
        parser.add_argument("folder", type=Path)
        parser.add_argument("--replace", action="store_true", help="Replace the study's records if it exists.")

    def handle(self, folder, replace, **options):
        try:
            batch = study_import(user=None, folder=folder, replace=replace)
        except FolderInvalid as error:
            for problem in error.problems:
                self.stderr.write(str(problem))
            raise CommandError(error.message)
        except RegistryError as error:
            raise CommandError(error.message)
        counts = ", ".join(f"{n} {name.removesuffix('.csv')}" for name, n in batch.row_counts.items())
        self.stdout.write(self.style.SUCCESS(f"Imported {batch.study.code}: {counts}."))
