import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from cohorts.analysis.parameters import AnalysisParameters, ParameterError
from cohorts.services import analysis_compute
from registry.models import Study


class Command(BaseCommand):
    help = "Compute a study's tables (the same code as the Celery job) and write the analysis JSON."

    def add_arguments(self, parser):
        parser.add_argument("study_code")
        parser.add_argument("--output", type=Path, required=True, help="FILE.json to write")
        parser.add_argument("--parameters", default="{}", help="JSON object of analysis parameters")

    def handle(self, study_code, output, parameters, **options):
        study = Study.objects.filter(code=study_code).first()
        if study is None:
            raise CommandError(f"No study with code {study_code}.")
        try:
            chosen = AnalysisParameters.from_dict(json.loads(parameters))
        except (ParameterError, ValueError, TypeError) as error:
            raise CommandError(f"Invalid parameters: {error}")
        site_ids = set(study.patients.values_list("site_id", flat=True))
        document, _, timings = analysis_compute(study, site_ids, chosen)
        document["timings"] = timings
        output.write_text(json.dumps(document, indent=1, sort_keys=True, default=str) + "\n")
        self.stdout.write(self.style.SUCCESS(
            f"{study_code}: {len(document['rows'])} rows in {timings['total_s']} s → {output}"
        ))
