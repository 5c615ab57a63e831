"""Writing a generated population to a directory: Parquet files, truth file, manifest."""

from __future__ import annotations

import hashlib
import json
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyarrow.parquet as pq

from .generator import GENERATOR_VERSION, Population

FILES = ("families.parquet", "persons.parquet", "truth.parquet")
PARQUET_OPTIONS = {"compression": "zstd", "compression_level": 1}
CHUNK_ROWS = 500_000  # two in flight (build + write): bounds the peak at DKI scale
# Dictionary encoding pays for categories and repeated values; for identifiers and
# names it costs write time for nothing (measured: ~25% faster without).
HIGH_CARDINALITY = {"nik", "kk", "name", "father_name", "mother_name", "father_nik", "mother_nik", "birth_date",
                    "birth_cert_no", "marriage_cert_no", "death_cert_no"}


def persons_options(schema) -> dict:
    # store_schema=False: categories are built as Arrow dictionaries, but readers must
    # see the exchange schema's plain strings.
    return {**PARQUET_OPTIONS, "use_dictionary": [n for n in schema.names if n not in HIGH_CARDINALITY],
            "store_schema": False}


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 22):
            digest.update(chunk)
    return digest.hexdigest()


def write(population: Population, out: Path, *, progress: bool = False) -> dict:
    """Write the files into `out` (created if needed) and return the manifest.

    Files are written under temporary names and renamed at the end, so a directory
    never holds a half-written population that `adminduk load` would take for whole.
    """
    from tqdm import tqdm

    out.mkdir(parents=True, exist_ok=True)
    partial = {name: out / f".{name}.partial" for name in FILES}
    pq.write_table(population.families_table(), partial["families.parquet"], row_group_size=1_000_000,
                   **PARQUET_OPTIONS)
    population.persons_batch(0, 0)  # family columns, built once before the threads start
    chunks = [(start, min(start + CHUNK_ROWS, population.n_persons))
              for start in range(0, population.n_persons, CHUNK_ROWS)]
    writer = None
    # Build chunk i+1 (Arrow compute) while chunk i is encoded and written: both
    # release the GIL, so the two cores work at once.
    with ThreadPoolExecutor(max_workers=1) as builder, tqdm(
        total=population.n_persons, desc="menulis penduduk", unit=" baris", unit_scale=True, disable=not progress
    ) as bar:
        future = builder.submit(population.persons_batch, *chunks[0])
        for i in range(len(chunks)):
            batch = future.result()
            if i + 1 < len(chunks):
                future = builder.submit(population.persons_batch, *chunks[i + 1])
            if writer is None:
                writer = pq.ParquetWriter(partial["persons.parquet"], batch.schema, **persons_options(batch.schema))
            writer.write_batch(batch)
            bar.update(batch.num_rows)
    writer.close()
    pq.write_table(population.truth, partial["truth.parquet"], **PARQUET_OPTIONS)
    for name, path in partial.items():
        os.replace(path, out / name)
    kinds = population.truth.column("kind").to_pylist()
    manifest = {
        "generator": "adminduk.synth",
        "generator_version": GENERATOR_VERSION,
        "seed": population.seed,
        "as_of": population.as_of.isoformat(),
        "residents": population.n_persons,
        "families": population.n_families,
        "defect_rates": population.rates,
        "defects": {kind: kinds.count(kind) for kind in sorted(set(kinds))},
        "files": {name: {"sha256": sha256(out / name)} for name in FILES},
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    return manifest
