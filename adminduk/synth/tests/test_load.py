"""`adminduk load` / registry.bulk.write_register: a whole register in, all or nothing.

Runs on both databases (CI sets DATABASE_URL for PostgreSQL). transaction=True: the
SQLite path attaches a staging file, which SQLite refuses inside a transaction.
"""

import pyarrow as pa
import pyarrow.compute as pc
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from adminduk.audit.models import AuditEntry
from adminduk.registry.bulk import BulkLoadError, write_register
from adminduk.registry.models import Family, LoadBatch, Person
from adminduk.registry.names import name_key
from adminduk.synth import output
from adminduk.synth.generator import generate

pytestmark = pytest.mark.django_db(transaction=True)
RESIDENTS = 2000


@pytest.fixture(scope="module")
def register_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("register")
    output.write(generate(RESIDENTS, 11), out)
    return out


@pytest.fixture(scope="module")
def tables(register_dir):
    import pyarrow.parquet as pq

    return pq.read_table(register_dir / "families.parquet"), pq.read_table(register_dir / "persons.parquet")


def test_it_loads_a_generated_register_with_every_field(regions, register_dir, tables):
    families, persons = tables
    call_command("load", str(register_dir), verbosity=0)

    assert Person.objects.count() == RESIDENTS
    assert Family.objects.count() == len(families)
    expected = persons.slice(123, 1).to_pylist()[0]
    person = Person.objects.select_related("family").filter(nik=expected["nik"], name=expected["name"]).get()
    for column, value in expected.items():
        if column in ("kk", "kelurahan_code", "rw", "rt"):
            family_value = {"kk": person.family.kk, "kelurahan_code": person.family.kelurahan_id,
                            "rw": person.family.rw, "rt": person.family.rt}[column]
            assert family_value == value, column
        else:
            assert getattr(person, column) == value, column
    assert person.name_key == name_key(person.name)
    family = families.slice(7, 1).to_pylist()[0]
    loaded = Family.objects.get(kk=family["kk"])
    assert (loaded.street, loaded.issued_on, loaded.printed_on) == (family["street"], family["issued_on"],
                                                                     family["printed_on"])
    heads = pc.sum(pc.cast(pc.equal(persons.column("relation"), "kepala_keluarga"), "int64")).as_py()
    assert Person.objects.filter(relation="kepala_keluarga").count() == heads
    assert Person.objects.filter(family__members__isnull=True).count() == 0


def test_it_records_the_load_and_audits_it(regions, register_dir):
    call_command("load", str(register_dir), verbosity=0)
    batch = LoadBatch.objects.get()
    assert (batch.kind, batch.persons, len(batch.sha256)) == ("load", RESIDENTS, 64)
    entry = AuditEntry.objects.filter(action="register.load").get()
    assert entry.row_count == RESIDENTS and entry.object_type == "register"


def test_new_rows_after_a_load_get_fresh_ids(regions, register_dir):
    from adminduk.testing import make_family

    call_command("load", str(register_dir), verbosity=0)
    family = make_family()
    assert family.pk == Family.objects.count()


def test_it_refuses_a_non_empty_register_unless_replacing(regions, register_dir):
    call_command("load", str(register_dir), verbosity=0)
    with pytest.raises(CommandError, match="register tidak kosong.*--replace"):
        call_command("load", str(register_dir), verbosity=0)
    assert Person.objects.count() == RESIDENTS

    call_command("load", str(register_dir), replace=True, verbosity=0)
    assert Person.objects.count() == RESIDENTS
    assert LoadBatch.objects.count() == 2


def test_it_refuses_a_database_without_areas(db, register_dir):
    with pytest.raises(CommandError, match="tabel wilayah kosong.*load-regions"):
        call_command("load", str(register_dir), verbosity=0)
    assert Person.objects.count() == 0


def test_it_names_a_missing_directory(db, tmp_path):
    with pytest.raises(CommandError, match="berkas tidak ditemukan"):
        call_command("load", str(tmp_path / "tidak-ada"), verbosity=0)


def test_a_bad_table_writes_nothing_and_lists_every_problem(regions, tables):
    families, persons = tables
    kel = families.column("kelurahan_code").to_pylist()
    kel[0] = "31.99.99.9999"
    broken_families = families.set_column(families.column_names.index("kelurahan_code"), "kelurahan_code",
                                          pa.array(kel))
    religion = persons.column("religion").to_pylist()
    religion[5] = "jedi"
    broken_persons = persons.set_column(persons.column_names.index("religion"), "religion", pa.array(religion))
    with pytest.raises(BulkLoadError) as caught:
        write_register(broken_families, broken_persons, actor=None, source="uji", kind="import", reason="uji")
    text = " ".join(caught.value.errors)
    assert "31.99.99.9999" in text and "'jedi'" in text and "religion" in text
    assert Person.objects.count() == Family.objects.count() == LoadBatch.objects.count() == 0


def test_a_failure_while_writing_leaves_the_old_register(regions, register_dir, tables, monkeypatch):
    from adminduk.registry import bulk

    call_command("load", str(register_dir), verbosity=0)
    families, persons = tables

    def explode(*args, **kwargs):
        raise RuntimeError("disk penuh")

    monkeypatch.setattr(bulk, "audit_record", explode)
    with pytest.raises(RuntimeError):
        write_register(families, persons, actor=None, source="uji", kind="load", reason="uji", replace=True)
    assert Person.objects.count() == RESIDENTS
    assert LoadBatch.objects.count() == 1
    # Indexes dropped for the copy are back (the drop was rolled back with the rest).
    with connection.cursor() as cur:
        constraints = connection.introspection.get_constraints(cur, "registry_person")
    assert any(c["index"] and c["columns"] == ["nik"] for c in constraints.values())
