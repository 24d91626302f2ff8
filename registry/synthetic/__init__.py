"""Synthetic, clinically plausible study folders in the flat CSV format v1 (FORMAT.md), of any size.

`write_study` writes the nine files of a study folder for an adult blinatumomab study or a pediatric
maintenance study, shaped like the two real folders in `registry/demo_studies/`. Each patient's
chart is drawn from its own random stream (seed and patient number), so a seed always gives the same
bytes and a smaller study with the same seed and sites is the first patients of a larger one. Rows
stream to the files in chunks of patients: memory stays flat at any size.

Pure Python on purpose: the `generate_demo` management command, benchmarks and tests call it
without a database.
"""
from __future__ import annotations

import csv
import math
import random
from pathlib import Path

from ._adult import adult_chart
from ._common import EVENT_FILES, HEADERS, Rows, Site
from ._pediatric import pediatric_chart

__all__ = ["write_study"]

_CHUNK = 2000  # patients per write
_POPULATIONS = {
    # population: (index_treatment, id prefix, chart generator, sites by default, title)
    "ADULT": ("BLINATUMOMAB", "A", adult_chart, 3, "IVIG during blinatumomab in adults with B-ALL"),
    "PEDIATRIC": ("MAINTENANCE", "P", pediatric_chart, 5, "IVIG during maintenance chemotherapy in children with ALL"),
}


def write_study(folder: Path, *, patients: int, seed: int, population: str = "ADULT",
                study_code: str | None = None, sites: int | None = None) -> dict[str, int]:
    """Write a complete study folder; return the number of data rows per file name.

    `sites` defaults to 3 (adult) or 5 (pediatric, as in the paper), and one more per 2,000 patients
    beyond that. Existing files of the same names are replaced; other files are left alone.
    """
    if population not in _POPULATIONS:
        raise ValueError(f"population must be ADULT or PEDIATRIC, not {population!r}")
    if patients < 1 or seed < 0:
        raise ValueError("patients must be at least 1 and seed at least 0")
    index_treatment, prefix, chart_of, default_sites, title = _POPULATIONS[population]
    site_count = sites if sites is not None else max(default_sites, min(200, patients // 2000))
    if site_count < 1:
        raise ValueError("sites must be at least 1")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    code = study_code or f"SYN-{population[:3]}-{seed}"
    site_table = _sites(seed, population, site_count)
    counts = _write_header_files(folder, code, title, population, index_treatment, site_table, patients, seed)
    counts.update(_write_patients(folder, patients, seed, population, prefix, chart_of, site_table))
    return counts


def _sites(seed: int, population: str, count: int) -> list[Site]:
    """Centres and their practice leanings, from a stream of their own (independent of patients)."""
    rng = random.Random(f"sites:{population}:{seed}:{count}")
    width = max(2, len(str(count)))
    spread = .5 if population == "ADULT" else .8
    return [Site(code=f"SYN-{population[0]}{n:0{width}d}", ivig_log_odds=rng.gauss(0, spread),
                 lab_frequency=rng.lognormvariate(0, .6), limit_offset=rng.randint(-20, 20))
            for n in range(1, count + 1)]


def _write_header_files(folder: Path, code: str, title: str, population: str, index_treatment: str,
                        site_table: list[Site], patients: int, seed: int) -> dict[str, int]:
    study_title = f"{title} (synthetic: {patients} made-up patients, seed {seed})"
    kind = "adult" if population == "ADULT" else "pediatric"
    rows = {
        "study.csv": [(code, study_title, population, index_treatment)],
        "sites.csv": [(site.code, f"Synthetic {kind} centre {site.code[5:]} (made-up)") for site in site_table],
    }
    for name, records in rows.items():
        with open(folder / name, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(HEADERS[name])
            writer.writerows(records)
    return {name: len(records) for name, records in rows.items()}


def _write_patients(folder: Path, patients: int, seed: int, population: str, prefix: str, chart_of,
                    site_table: list[Site]) -> dict[str, int]:
    width = max(3, len(str(patients)))
    salt = 1 if population == "ADULT" else 2
    weights = [1 / math.sqrt(n) for n in range(1, len(site_table) + 1)]  # a few large centres, many small
    cumulative = list(_running_sums(weights))
    handles = {name: open(folder / name, "w", encoding="utf-8", newline="") for name in EVENT_FILES}
    counts = dict.fromkeys(EVENT_FILES, 0)
    try:
        for name, handle in handles.items():
            handle.write(",".join(HEADERS[name]) + "\n")
        for first in range(0, patients, _CHUNK):
            rows = Rows()
            for number in range(first + 1, min(patients, first + _CHUNK) + 1):
                rng = random.Random((seed << 40) + (salt << 36) + number)
                site = rng.choices(site_table, cum_weights=cumulative)[0]
                rows.write_chart(f"{prefix}{number:0{width}d}", chart_of(rng, site))
            for name, lines in rows.lines.items():
                handles[name].write("".join(lines))
                counts[name] += len(lines)
    finally:
        for handle in handles.values():
            handle.close()
    return counts


def _running_sums(values):
    total = 0.0
    for value in values:
        total += value
        yield total
