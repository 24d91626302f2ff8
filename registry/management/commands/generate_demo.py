from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from registry.errors import RegistryError
from registry.flatfile.reader import FolderInvalid
from registry.flatfile.services import study_import
from registry.synthetic import write_study


class Command(BaseCommand):
    help = "Write a synthetic, clinically plausible study folder in the flat CSV v1 format (and import it)."

    def add_arguments(self, parser):
        parser.add_argument("--patients", type=int, required=True)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--population", choices=["ADULT", "PEDIATRIC"], default="ADULT")
        parser.add_argument("--output", type=Path, help="Folder to write (default: var/demo/<population>-<N>-<seed>).")
        parser.add_argument("--import", dest="load", action="store_true", help="Import the folder when written.")

    def handle(self, patients, seed, population, output, load, **options):
        folder = output or settings.VAR_DIR / "demo" / f"{population.lower()}-{patients}-{seed}"
        try:
            counts = write_study(folder, patients=patients, seed=seed, population=population)
        except ValueError as error:
            raise CommandError(str(error))
        rows = ", ".join(f"{n} {name.removesuffix('.csv')}" for name, n in counts.items())
        self.stdout.write(f"Wrote {folder}: {rows}.")
        if load:
            self._import(folder)

    def _import(self, folder: Path) -> None:
        try:
            batch = study_import(user=None, folder=folder)
        except FolderInvalid as error:
            # A generator bug, not user input: show what the importer refused, as import_study does.
            for problem in error.problems:
                self.stderr.write(str(problem))
            raise CommandError(error.message)
        except RegistryError as error:
            raise CommandError(error.message)
        self.stdout.write(self.style.SUCCESS(f"Imported {batch.study.code} (import batch {batch.pk})."))
