"""SIAK categories for the data elements of UU 24/2013 Pasal 58.

Stored values are short snake_case keys; labels are SIAK's Indonesian wording. These
are imported by every app that reads the register (documents, elections, coverage).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Sex(models.TextChoices):
    L = "L", _("Laki-laki")
    P = "P", _("Perempuan")


class Religion(models.TextChoices):
    ISLAM = "islam", _("Islam")
    KRISTEN = "kristen", _("Kristen")
    KATOLIK = "katolik", _("Katolik")
    HINDU = "hindu", _("Hindu")
    BUDDHA = "buddha", _("Buddha")
    KHONGHUCU = "khonghucu", _("Khonghucu")
    KEPERCAYAAN = "kepercayaan", _("Kepercayaan terhadap Tuhan YME")


class MaritalStatus(models.TextChoices):
    BELUM_KAWIN = "belum_kawin", _("Belum Kawin")
    KAWIN = "kawin", _("Kawin")
    CERAI_HIDUP = "cerai_hidup", _("Cerai Hidup")
    CERAI_MATI = "cerai_mati", _("Cerai Mati")


class Relation(models.TextChoices):
    """SHDK: status hubungan dalam keluarga (SIAK codes 1-11)."""

    KEPALA_KELUARGA = "kepala_keluarga", _("Kepala Keluarga")
    SUAMI = "suami", _("Suami")
    ISTRI = "istri", _("Istri")
    ANAK = "anak", _("Anak")
    MENANTU = "menantu", _("Menantu")
    CUCU = "cucu", _("Cucu")
    ORANG_TUA = "orang_tua", _("Orang Tua")
    MERTUA = "mertua", _("Mertua")
    FAMILI_LAIN = "famili_lain", _("Famili Lain")
    PEMBANTU = "pembantu", _("Pembantu")
    LAINNYA = "lainnya", _("Lainnya")


class Education(models.TextChoices):
    """SIAK's ten levels of pendidikan terakhir."""

    TIDAK_SEKOLAH = "tidak_sekolah", _("Tidak/Belum Sekolah")
    BELUM_TAMAT_SD = "belum_tamat_sd", _("Belum Tamat SD/Sederajat")
    SD = "sd", _("Tamat SD/Sederajat")
    SLTP = "sltp", _("SLTP/Sederajat")
    SLTA = "slta", _("SLTA/Sederajat")
    D1_D2 = "d1_d2", _("Diploma I/II")
    D3 = "d3", _("Akademi/Diploma III/Sarjana Muda")
    S1 = "s1", _("Diploma IV/Strata I")
    S2 = "s2", _("Strata II")
    S3 = "s3", _("Strata III")


class Occupation(models.TextChoices):
    """The SIAK jenis pekerjaan codes that matter for a city register.

    SIAK has 89 codes; the long tail (e.g. "Tukang Gigi", "Penata Rambut") is folded
    into the nearest group here. TNI and Polri are kept apart: they have no vote (DP4).
    """

    BELUM_TIDAK_BEKERJA = "belum_tidak_bekerja", _("Belum/Tidak Bekerja")
    MENGURUS_RUMAH_TANGGA = "mengurus_rumah_tangga", _("Mengurus Rumah Tangga")
    PELAJAR_MAHASISWA = "pelajar_mahasiswa", _("Pelajar/Mahasiswa")
    PENSIUNAN = "pensiunan", _("Pensiunan")
    PNS = "pns", _("Pegawai Negeri Sipil")
    TNI = "tni", _("Tentara Nasional Indonesia")
    POLRI = "polri", _("Kepolisian RI")
    PERDAGANGAN = "perdagangan", _("Perdagangan")
    PETANI = "petani", _("Petani/Pekebun")
    NELAYAN = "nelayan", _("Nelayan/Perikanan")
    INDUSTRI = "industri", _("Industri")
    KONSTRUKSI = "konstruksi", _("Konstruksi")
    TRANSPORTASI = "transportasi", _("Transportasi")
    KARYAWAN_SWASTA = "karyawan_swasta", _("Karyawan Swasta")
    KARYAWAN_BUMN = "karyawan_bumn", _("Karyawan BUMN")
    KARYAWAN_BUMD = "karyawan_bumd", _("Karyawan BUMD")
    KARYAWAN_HONORER = "karyawan_honorer", _("Karyawan Honorer")
    BURUH_HARIAN_LEPAS = "buruh_harian_lepas", _("Buruh Harian Lepas")
    PEMBANTU_RUMAH_TANGGA = "pembantu_rumah_tangga", _("Pembantu Rumah Tangga")
    TUKANG = "tukang", _("Tukang (Batu/Kayu/Listrik/Jahit)")
    PEDAGANG = "pedagang", _("Pedagang")
    WIRASWASTA = "wiraswasta", _("Wiraswasta")
    SOPIR = "sopir", _("Sopir")
    GURU = "guru", _("Guru")
    DOSEN = "dosen", _("Dosen")
    DOKTER = "dokter", _("Dokter")
    BIDAN = "bidan", _("Bidan")
    PERAWAT = "perawat", _("Perawat")
    USTADZ_MUBALIGH = "ustadz_mubaligh", _("Ustadz/Mubaligh")
    PENDETA_PASTOR = "pendeta_pastor", _("Pendeta/Pastor")
    WARTAWAN = "wartawan", _("Wartawan")
    SENIMAN = "seniman", _("Seniman/Artis")
    ARSITEK_KONSULTAN = "arsitek_konsultan", _("Arsitek/Konsultan/Akuntan")
    PENGACARA = "pengacara", _("Pengacara/Notaris")
    PEJABAT_NEGARA = "pejabat_negara", _("Pejabat Negara/Anggota DPR/DPRD")
    LAINNYA = "lainnya", _("Lainnya")


class Citizenship(models.TextChoices):
    WNI = "wni", _("WNI")
    WNA = "wna", _("WNA")


class Disability(models.TextChoices):
    """The disability kinds used by SIAK and KPU's list (disabilitas 1-6)."""

    TIDAK = "", _("Tidak ada")
    FISIK = "fisik", _("Disabilitas Fisik")
    INTELEKTUAL = "intelektual", _("Disabilitas Intelektual")
    MENTAL = "mental", _("Disabilitas Mental")
    SENSORIK_WICARA = "sensorik_wicara", _("Disabilitas Sensorik Wicara")
    SENSORIK_RUNGU = "sensorik_rungu", _("Disabilitas Sensorik Rungu")
    SENSORIK_NETRA = "sensorik_netra", _("Disabilitas Sensorik Netra")


class BloodType(models.TextChoices):
    A = "A", "A"
    B = "B", "B"
    AB = "AB", "AB"
    O = "O", "O"  # noqa: E741 - blood type O
    A_POS = "A+", "A+"
    A_NEG = "A-", "A-"
    B_POS = "B+", "B+"
    B_NEG = "B-", "B-"
    AB_POS = "AB+", "AB+"
    AB_NEG = "AB-", "AB-"
    O_POS = "O+", "O+"
    O_NEG = "O-", "O-"
    TIDAK_TAHU = "tidak_tahu", _("Tidak Tahu")


class LifeStatus(models.TextChoices):
    """Life/residence status of a person in the register."""

    HIDUP = "hidup", _("Hidup (penduduk aktif)")
    MENINGGAL = "meninggal", _("Meninggal")
    PINDAH = "pindah", _("Pindah keluar DKI")
    TIDAK_AKTIF = "tidak_aktif", _("Tidak aktif (dinonaktifkan)")


class KtpState(models.TextChoices):
    """KTP-el record states (DOMAIN.md §2.2), then the card's own life after PRR."""

    UNREGISTERED = "unregistered", _("Belum rekam")
    BIO_CAPTURED = "bio_captured", _("Sudah rekam biometrik")
    PROCESSING = "processing", _("Sedang dikemas")
    SENT_FOR_ENROLLMENT = "sent_for_enrollment", _("Dikirim ke pusat (SFE)")
    RECEIVED_AT_CENTRAL = "received_at_central", _("Diterima di pusat")
    ENROLL_FAILURE_AT_REGIONAL = "enroll_failure_at_regional", _("Gagal enrol di daerah")
    ENROLL_FAILURE_AT_CENTRAL = "enroll_failure_at_central", _("Gagal enrol di pusat")
    SEARCH_FAILURE_AT_CENTRAL = "search_failure_at_central", _("Gagal pencarian di pusat")
    ADJUDICATE_RECORD = "adjudicate_record", _("Adjudikasi")
    REQUEST_VALIDATION = "request_validation", _("Perlu validasi")
    DUPLICATE_RECORD = "duplicate_record", _("Rekaman ganda")
    PRINT_READY_RECORD = "print_ready_record", _("Siap cetak (PRR)")
    PRINTED = "printed", _("Sudah dicetak")
    ISSUED = "issued", _("Sudah diserahkan")


# States in which biometrics have been recorded (counts as "sudah rekam" for coverage).
KTP_RECORDED_STATES = frozenset(KtpState.values) - {KtpState.UNREGISTERED}
