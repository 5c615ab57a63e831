"""The hash chain: `adminduk audit verify` catches a changed, deleted, reordered or
inserted row, on SQLite and PostgreSQL, and the log cannot be rewritten through the app.

Tampering is done the way an attacker with the database owner's rights would: raw SQL
with the append-only triggers switched off.
"""

import threading

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from adminduk.audit import chain
from adminduk.audit.actions import record
from adminduk.audit.models import AppendOnlyError, AuditEntry, AuditSubject, ChainCheck

NIKS = ["3171010101900001", "3171010101900002", "3171010101900003"]


def write_log(n=6, user=None):
    for i in range(n):
        record(user, "person.read", purpose=f"uji {i}", niks=[NIKS[i % 3]], row_count=1, ip="10.0.0.1")


def as_db_owner(*statements):
    """Run raw SQL with the append-only triggers off (rolled back with the test)."""
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # ALTER TABLE refuses pending FK checks
            cur.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER USER")
            cur.execute("ALTER TABLE audit_auditsubject DISABLE TRIGGER USER")
        else:
            cur.execute("DROP TRIGGER IF EXISTS audit_entry_append_only")
            cur.execute("DROP TRIGGER IF EXISTS audit_subject_append_only")
        for sql in statements:
            cur.execute(sql)


def verify_command(*args):
    """Exit status and output of `adminduk audit verify`."""
    import io

    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("audit", "verify", *args, stdout=out, stderr=err)
        return 0, out.getvalue()
    except SystemExit as exc:
        return exc.code, err.getvalue()


@pytest.mark.django_db
def test_an_untouched_chain_verifies_and_the_check_is_recorded():
    write_log()
    status, out = verify_command()
    assert status == 0 and "utuh" in out and "6 entri" in out
    check = ChainCheck.objects.get()
    assert check.ok and check.rows == 6 and check.head_seq == 6


TRICKY = ['Sri "Ani" \\ Ñoño', "".join(chr(c) for c in range(1, 32)), "nama=Ayu\u2028\u2029 \x7f",
          "Đặng 🇮🇩 𝔸", "</script>{}[],:", ""]


@pytest.mark.django_db
def test_rows_with_any_text_hash_as_the_verifier_expects():
    # On PostgreSQL the database builds the hashed text itself (one-statement append);
    # its escaping must be the verifier's, character for character.
    from types import SimpleNamespace

    from adminduk.audit.actions import entry_hash

    for i, text in enumerate(TRICKY):
        user = SimpleNamespace(pk=None if i % 2 else 7, username=text or "x", role=text[:12])
        entry = record(user, text[:40] or "a", purpose=text, object_type=text[:30], query=text, niks=NIKS[: i % 4],
                       row_count=None if i % 3 else i * 100_003, ip=text, token_prefix="ab12cd34" if i % 2 else "")
        fields = {f: getattr(entry, f) for f in ("seq", "at", "user_id_ref", "username", "role", "action",
                                                 "object_type", "niks", "query", "row_count", "purpose", "ip",
                                                 "token_prefix")}
        assert entry.hash == entry_hash(fields, entry.prev_hash), repr(text)
        assert list(AuditSubject.objects.filter(entry_id=entry.pk).values_list("nik", flat=True).order_by("nik")) \
            == sorted(NIKS[: i % 4])
    result = chain.verify(save=False)
    assert result.ok and result.rows == len(TRICKY), result.message


@pytest.mark.django_db
def test_an_empty_log_verifies():
    assert chain.verify(save=False).ok


@pytest.mark.django_db
def test_a_changed_row_is_named():
    write_log()
    as_db_owner("UPDATE audit_auditentry SET purpose = 'disamarkan' WHERE seq = 3")
    status, err = verify_command()
    assert status == 1 and "#3" in err and "diubah" in err
    assert ChainCheck.objects.get().broken_seq == 3


@pytest.mark.django_db
def test_a_changed_nik_is_caught():
    write_log()
    as_db_owner("UPDATE audit_auditentry SET niks = '3171010101909999' WHERE seq = 2")
    result = chain.verify(save=False)
    assert not result.ok and result.broken_seq == 2


@pytest.mark.django_db
def test_a_deleted_row_is_named():
    write_log()
    as_db_owner(
        "DELETE FROM audit_auditsubject WHERE entry_id = (SELECT id FROM audit_auditentry WHERE seq = 4)",
        "DELETE FROM audit_auditentry WHERE seq = 4",
    )
    status, err = verify_command()
    assert status == 1 and "#4" in err and "dihapus" in err


@pytest.mark.django_db
def test_a_deleted_row_with_renumbered_successors_is_caught():
    write_log()
    as_db_owner(
        "DELETE FROM audit_auditsubject WHERE entry_id = (SELECT id FROM audit_auditentry WHERE seq = 4)",
        "DELETE FROM audit_auditentry WHERE seq = 4",
        "UPDATE audit_auditentry SET seq = seq + 100 WHERE seq > 4",
        "UPDATE audit_auditentry SET seq = seq - 101 WHERE seq > 100",
    )
    result = chain.verify(save=False)
    assert not result.ok and result.broken_seq == 4


@pytest.mark.django_db
def test_two_swapped_rows_are_caught():
    write_log()
    as_db_owner(
        "UPDATE audit_auditentry SET seq = -2 WHERE seq = 2",
        "UPDATE audit_auditentry SET seq = 2 WHERE seq = 5",
        "UPDATE audit_auditentry SET seq = 5 WHERE seq = -2",
    )
    result = chain.verify(save=False)
    assert not result.ok and result.broken_seq == 2


@pytest.mark.django_db
def test_an_inserted_row_is_caught():
    write_log()
    first = AuditEntry.objects.get(seq=1)
    as_db_owner(
        "UPDATE audit_auditentry SET seq = seq + 100 WHERE seq >= 3",
        "UPDATE audit_auditentry SET seq = seq - 99 WHERE seq > 100",
        # A forged row in position 3, copying a real row's hashes.
        "INSERT INTO audit_auditentry (seq, at, user_id_ref, username, role, action, object_type, niks, query, "
        "row_count, purpose, ip, token_prefix, prev_hash, hash) SELECT 3, at, user_id_ref, 'siluman', role, action, "
        f"object_type, niks, query, row_count, purpose, ip, token_prefix, prev_hash, hash FROM audit_auditentry "
        f"WHERE id = {first.id}",
    )
    result = chain.verify(save=False)
    assert not result.ok and result.broken_seq == 3


@pytest.mark.django_db
def test_a_removed_index_row_hides_no_access():
    write_log()
    as_db_owner("DELETE FROM audit_auditsubject WHERE entry_id = (SELECT id FROM audit_auditentry WHERE seq = 5)")
    result = chain.verify(save=False)
    assert not result.ok and result.broken_seq == 5 and "indeks NIK" in result.message


@pytest.mark.django_db
def test_a_rewritten_tail_is_caught_by_the_printed_head():
    write_log()
    printed = chain.head()
    # The attacker changes row 6 and recomputes its hash: the chain alone looks whole.
    from adminduk.audit.actions import entry_hash

    row = AuditEntry.objects.filter(seq=6).values().get()
    row["purpose"] = "disamarkan"
    new_hash = entry_hash(row, row["prev_hash"])
    as_db_owner(f"UPDATE audit_auditentry SET purpose = 'disamarkan', hash = '{new_hash}' WHERE seq = 6")
    assert chain.verify(save=False).ok
    status, err = verify_command("--expect-head", f"{printed[0]}:{printed[1]}")
    assert status == 1 and "#6" in err


@pytest.mark.django_db
def test_the_head_command_prints_seq_and_hash():
    import io

    write_log(3)
    out = io.StringIO()
    call_command("audit", "head", stdout=out)
    seq, digest = out.getvalue().strip().split(":")
    assert seq == "3" and digest == AuditEntry.objects.get(seq=3).hash


# --- append-only ------------------------------------------------------------------------

@pytest.mark.django_db
def test_the_orm_refuses_to_change_or_delete_audit_rows():
    write_log(2)
    entry = AuditEntry.objects.get(seq=1)
    entry.purpose = "lain"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(seq=1).update(purpose="lain")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        AuditSubject.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.create(seq=99, purpose="palsu")


@pytest.mark.django_db
def test_the_database_refuses_an_update_of_an_audit_row():
    write_log(2)
    with pytest.raises(DatabaseError, match="hanya dapat ditambah"), transaction.atomic(), connection.cursor() as cur:
        cur.execute("UPDATE audit_auditentry SET purpose = 'lain' WHERE seq = 1")


@pytest.mark.django_db
@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="SQLite has no DELETE trigger (test flush)")
def test_postgresql_refuses_a_delete_of_an_audit_row():
    write_log(2)
    with pytest.raises(DatabaseError, match="hanya dapat ditambah"), transaction.atomic(), connection.cursor() as cur:
        cur.execute("DELETE FROM audit_auditsubject")


# --- concurrency ------------------------------------------------------------------------

@pytest.mark.django_db(transaction=True)
def test_two_writers_at_once_never_fork_the_chain():
    per_thread, errors = 40, []

    def writer(name):
        try:
            for i in range(per_thread):
                record(None, "person.read", purpose=f"{name} {i}", niks=[NIKS[i % 3]])
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(f"t{n}",)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    result = chain.verify(save=False)
    assert result.ok and result.rows == 2 * per_thread
    assert sorted(AuditEntry.objects.values_list("seq", flat=True)) == list(range(1, 2 * per_thread + 1))


@pytest.mark.django_db
@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="synchronous_commit is a PostgreSQL setting")
def test_an_api_read_inside_a_callers_transaction_keeps_its_synchronous_commit():
    from adminduk.audit.actions import chain_locked

    with chain_locked(read_access=True):
        record(None, "person.read", purpose="uji", niks=[NIKS[0]])
    with connection.cursor() as cur:
        cur.execute("SHOW synchronous_commit")
        # The test runs inside a transaction: the relaxed commit applies only to a
        # transaction that chain_locked() opened itself.
        assert cur.fetchone()[0] == "on"
