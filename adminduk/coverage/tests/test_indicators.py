"""Indicators agree with a direct count on small hand-made registers (both databases)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from adminduk.coverage import indicators, queries
from adminduk.coverage.actions import do_recompute
from adminduk.coverage.models import AreaIndicator, Snapshot
from adminduk.registry.choices import KTP_RECORDED_STATES, KtpState, LifeStatus, MaritalStatus, Relation
from adminduk.registry.models import Family, Person
from adminduk.testing import CAKUNG_BARAT, GAMBIR, KEBON_KELAPA, make_family, make_person

AS_OF = dt.date(2023, 1, 18)


def _printed(family, on):
    # The register has no action for printing a KK yet; the fixture sets the date directly.
    Family.objects.filter(pk=family.pk).update(printed_on=on)
    return family


def _build_register():
    """Three kelurahan, two kecamatan, two kota; each rule has a person on both sides."""
    gambir = make_family(GAMBIR, issued_on=dt.date(2010, 1, 1))
    make_person(gambir, name="Kepala Gambir", birth_date=dt.date(1980, 1, 1), ktp_state=KtpState.ISSUED,
                birth_cert_no="AL-1", ikd_activated_on=dt.date(2022, 12, 1))
    make_person(gambir, name="Istri Gambir", sex="P", relation=Relation.ISTRI, birth_date=dt.date(1984, 2, 2),
                ktp_state=KtpState.PRINT_READY_RECORD)
    # Turns 17 on 2023-01-18 exactly: wajib KTP on the as-of date, not recorded.
    make_person(gambir, name="Anak Tujuhbelas", relation=Relation.ANAK, marital_status=MaritalStatus.BELUM_KAWIN,
                birth_date=dt.date(2006, 1, 18), birth_cert_no="AL-2")
    # 16 and married: wajib KTP by marriage; recorded; no KIA age (married).
    make_person(gambir, name="Menantu Muda", sex="P", relation=Relation.MENANTU,
                birth_date=dt.date(2006, 6, 1), ktp_state=KtpState.BIO_CAPTURED)
    # A child with a KIA issued after the as-of date: not counted as holding one yet.
    make_person(gambir, name="Cucu Kecil", relation=Relation.CUCU, marital_status=MaritalStatus.BELUM_KAWIN,
                birth_date=dt.date(2015, 5, 5), kia_issued_on=dt.date(2023, 6, 1), birth_cert_no="AL-3")
    make_person(gambir, name="Cucu Kedua", relation=Relation.CUCU, marital_status=MaritalStatus.BELUM_KAWIN,
                birth_date=dt.date(2016, 5, 5), kia_issued_on=dt.date(2020, 6, 1))
    # Born after the as-of date: not yet a resident on it.
    make_person(gambir, name="Bayi Baru", relation=Relation.CUCU, marital_status=MaritalStatus.BELUM_KAWIN,
                birth_date=dt.date(2023, 3, 1), birth_cert_no="AL-4")

    kebon = _printed(make_family(KEBON_KELAPA, issued_on=dt.date(2015, 1, 1)), dt.date(2015, 1, 2))
    make_person(kebon, name="Kepala Kebon", birth_date=dt.date(1950, 1, 1), ktp_state=KtpState.PRINTED)
    make_person(kebon, name="Almarhum Tanpa Akta", relation=Relation.ORANG_TUA, birth_date=dt.date(1930, 1, 1),
                status=LifeStatus.MENINGGAL)
    # A KK issued after the as-of date is not in that date's denominator.
    make_family(KEBON_KELAPA, issued_on=dt.date(2023, 5, 1), rt="009")
    later = Person.objects.get(name="Almarhum Tanpa Akta")
    assert later.death_date is None

    cakung = _printed(make_family(CAKUNG_BARAT, issued_on=dt.date(2000, 1, 1)), dt.date(2000, 1, 1))
    make_person(cakung, name="Kepala Cakung", birth_date=dt.date(1970, 1, 1), ktp_state=KtpState.ADJUDICATE_RECORD)
    make_person(cakung, name="Anak Cakung", relation=Relation.ANAK, marital_status=MaritalStatus.BELUM_KAWIN,
                birth_date=dt.date(2010, 1, 1))
    # Died after the as-of date: alive on it, counted as a resident then.
    died = make_person(cakung, name="Istri Cakung", sex="P", relation=Relation.ISTRI, birth_date=dt.date(1972, 1, 1),
                       ktp_state=KtpState.SENT_FOR_ENROLLMENT)
    Person.objects.filter(pk=died.pk).update(status=LifeStatus.MENINGGAL, death_date=dt.date(2023, 2, 1),
                                             death_cert_no="AK-9")
    # Moved out of DKI: in nobody's denominator.
    make_person(cakung, name="Pindah Keluar", relation=Relation.ANAK, marital_status=MaritalStatus.BELUM_KAWIN,
                birth_date=dt.date(2001, 1, 1), status=LifeStatus.PINDAH)


def _direct(area_prefix: str) -> dict[str, tuple[int, int]]:
    """The same definitions counted by hand over model instances (the slow, obvious way)."""
    people = [p for p in Person.objects.select_related("family")
              if p.family.kelurahan_id == area_prefix or p.family.kelurahan_id.startswith(area_prefix + ".")]

    def alive(p):
        return p.birth_date <= AS_OF and (p.status == LifeStatus.HIDUP or (
            p.status == LifeStatus.MENINGGAL and p.death_date is not None and p.death_date > AS_OF))

    def wajib(p, on=AS_OF):
        return p.age_on(on) >= 17 or p.marital_status != MaritalStatus.BELUM_KAWIN

    def recorded(p):
        return p.ktp_state in KTP_RECORDED_STATES

    living = [p for p in people if alive(p)]
    w = [p for p in living if wajib(p)]
    rec = [p for p in w if recorded(p)]
    printable = [p for p in w if p.ktp_state in (KtpState.PRINT_READY_RECORD, KtpState.PRINTED, KtpState.ISSUED)]
    kids18 = [p for p in living if p.age_on(AS_OF) < 18]
    kids17 = [p for p in living if p.age_on(AS_OF) < 17 and p.marital_status == MaritalStatus.BELUM_KAWIN]
    dead = [p for p in people if p.status == LifeStatus.MENINGGAL and (p.death_date is None or p.death_date <= AS_OF)]
    voters = [p for p in living if wajib(p, indicators.POLLING_DAY)]
    families = {p.family for p in living if p.family.issued_on is None or p.family.issued_on <= AS_OF}
    return {
        "ktp_rekam": (len(rec), len(w)),
        "ktp_cetak": (sum(p.ktp_state in (KtpState.PRINTED, KtpState.ISSUED) for p in printable), len(printable)),
        "akta_lahir": (sum(bool(p.birth_cert_no) for p in kids18), len(kids18)),
        "kia": (sum(p.kia_issued_on is not None and p.kia_issued_on <= AS_OF for p in kids17), len(kids17)),
        "akta_mati": (sum(bool(p.death_cert_no) for p in dead), len(dead)),
        "ikd": (sum(p.ikd_activated_on is not None and p.ikd_activated_on <= AS_OF for p in rec), len(rec)),
        "kk_cetak": (sum(f.printed_on is not None and f.printed_on <= AS_OF for f in families), len(families)),
        "ktp_pemilu": (sum(recorded(p) for p in voters), len(voters)),
    }


def _stored(snapshot, code):
    return {r.indicator: (r.numerator, r.denominator) for r in AreaIndicator.objects.filter(snapshot=snapshot,
                                                                                             area_code=code)}


@pytest.mark.django_db(transaction=True)
def test_every_indicator_agrees_with_a_direct_count_at_every_level(regions):
    _build_register()
    snapshot = do_recompute(as_of=AS_OF, reason="uji")
    for code in (GAMBIR, KEBON_KELAPA, "31.71.01", "31.71", CAKUNG_BARAT, "31.75", "31"):
        assert _stored(snapshot, code) == _direct(code), code
    # Spot-check the hand-made expectations so the direct count is not trusted blindly.
    assert _stored(snapshot, GAMBIR)["ktp_rekam"] == (3, 4)  # Anak Tujuhbelas is wajib, not recorded
    assert _stored(snapshot, GAMBIR)["kia"] == (1, 2)
    assert _stored(snapshot, KEBON_KELAPA)["akta_mati"] == (0, 1)
    assert _stored(snapshot, "31")["kk_cetak"] == (2, 3)
    assert snapshot.kind == Snapshot.Kind.RECONSTRUCTED


@pytest.mark.django_db(transaction=True)
def test_every_area_gets_a_row_even_with_nobody_living_there(regions):
    _build_register()
    snapshot = do_recompute(as_of=AS_OF, reason="uji")
    from adminduk.regions.models import Region

    assert AreaIndicator.objects.filter(snapshot=snapshot).count() == Region.objects.count() * len(indicators.KEYS)
    empty = _stored(snapshot, "31.01.01.1001")
    assert set(empty.values()) == {(0, 0)}
    assert queries.area_figures(snapshot, "31.01.01.1001")[0].percent is None


@pytest.mark.django_db(transaction=True)
def test_the_recompute_is_audited_as_one_batch_read(regions):
    from adminduk.audit.models import AuditEntry

    _build_register()
    do_recompute(as_of=AS_OF, reason="rakor")
    entry = AuditEntry.objects.order_by("-seq").first()
    assert entry.action == "coverage.recompute" and entry.niks == "" and entry.row_count == Person.objects.count()


def test_people_to_target_is_exact_integer_arithmetic():
    assert indicators.people_to_target(0, 50, Decimal("98")) == 49
    assert indicators.people_to_target(49, 50, Decimal("98")) == 0
    assert indicators.people_to_target(9_000, 10_000, Decimal("98")) == 800
    assert indicators.people_to_target(994, 1_000, Decimal("99.4")) == 0
    assert indicators.people_to_target(993, 1_000, Decimal("99.4")) == 1
    assert indicators.people_to_target(5, 0, Decimal("98")) is None
    assert indicators.people_to_target(5, 10, None) is None


@pytest.mark.django_db
def test_an_indicator_over_100_percent_is_refused_without_a_reason(regions):
    snapshot = Snapshot.objects.create(as_of=AS_OF, reason="uji")
    with pytest.raises(IntegrityError), transaction.atomic():
        AreaIndicator.objects.create(snapshot=snapshot, area_code="31", area_name="DKI", level="provinsi",
                                     indicator="akta_lahir", numerator=10_129, denominator=10_000)
    # With the reason written down it may be stored, and pages show the reason.
    AreaIndicator.objects.create(snapshot=snapshot, area_code="31", area_name="DKI", level="provinsi",
                                 indicator="akta_lahir", numerator=10_129, denominator=10_000,
                                 note="penyebut: penduduk 31 Des 2017, pembilang: Maret 2018")
    with pytest.raises(ValueError):
        indicators.over_100_note(10_129, 10_000, "")


@pytest.mark.django_db(transaction=True)
def test_computed_indicators_never_exceed_100_percent(regions):
    _build_register()
    snapshot = do_recompute(as_of=AS_OF, reason="uji")
    assert not AreaIndicator.objects.filter(snapshot=snapshot, numerator__gt=0).extra(
        where=["numerator > denominator"]).exists()
