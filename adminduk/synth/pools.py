"""Name, street and birthplace pools for the synthetic population.

Faker's `id_ID` provider gives the generic Indonesian pool (its word lists, read once;
calling Faker per row is ~24x too slow at 11 million residents, RECIPES.md). Curated
lists add what Jakarta's register looks like and Faker lacks: Betawi, Javanese,
Sundanese, Arabic-derived (incl. habaib family names), Batak marga, Chinese-Indonesian,
Balinese birth-order names, a few foreigners (WNA), and the spelling variants officers
really type (Muhammad/Muhamad/Moh./M., Yusuf/Jusuf, Soeharto/Suharto, Syarifah/Sjarifah).

Everything is flattened into ONE string pool with (offset, size) slices per culture,
sex and token kind, so the generator draws names for millions of people with integer
arithmetic and builds the strings per chunk with Arrow (RECIPES.md: gathering from
pools of different sizes in one expression needs a single pool with offsets).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from faker.providers.address.id_ID import Provider as FakerAddress
from faker.providers.person.id_ID import Provider as FakerPerson

CULTURES = ("umum", "betawi", "jawa", "sunda", "arab", "batak", "tionghoa", "bali", "nasrani", "asing")
SEXES = ("L", "P")
PARTS = ("prefix", "given", "surname")

MUHAMMAD = ["Muhammad", "Muhamad", "Mohammad", "Mochammad", "Moh.", "M.", "Mohamad", "Muhammad"]

_CURATED = {
    ("betawi", "L", "given"): "Rojali Juned Mamat Samsudin Sabeni Mansur Jaelani Saprudin Rohman Ucup Udin Jalih "
                              "Sanusi Bahrudin Marzuki Syahroni Hasbullah Mahmud Ridwan Nasir Zulkifli Romli Zainudin "
                              "Muhidin Naman Salim Kosim Pitung Entong Madih Haris Fauzi Rizki Rizky Risky Ahmad",
    ("betawi", "P", "given"): "Romlah Mursidah Zaenab Munah Mariam Aminah Salmah Rohaya Khadijah Zubaidah Nurlela "
                              "Hasanah Maimunah Fatimah Fatima Saodah Juleha Ropiah Rohimah Nurhayati Aisyah Masitoh",
    ("betawi", "L", "surname"): "Hidayat Ramdani Syahputra Hasan Husin Saleh Bahar Naman Ismail Hamid Jamal",
    ("betawi", "P", "surname"): "Hidayati Rahmawati Sari Wati Hasanah Nurjanah Aminah Komariah",
    ("jawa", "L", "given"): "Slamet Sutrisno Soetrisno Wahyudi Joko Bambang Agus Budi Sugeng Suharto Soeharto Sukarno "
                            "Soekarno Purnomo Hadi Eko Dwi Tri Teguh Heru Yudi Wawan Supriyadi Suparman Sugiarto Sunarto "
                            "Priyo Widodo Hartono Darmawan Setiawan Prasetyo Nugroho Gunawan Rahmat Bayu Yoga Adi Aris "
                            "Bagus Sigit Kusno Paijo Tukiman Warsito Subagyo Soebagio",
    ("jawa", "P", "given"): "Sri Endang Sulastri Suharti Wahyuni Sumarni Sutini Tri Dwi Eka Yuli Rini Ratna Dewi Lestari "
                            "Puji Tutik Suyatmi Sri Ngatini Partini Sukarsih Kartini Wulan Ayu Retno Nanik Sumiyati "
                            "Soemiati Yuliana Indah Wiwik Ningsih",
    ("jawa", "L", "surname"): "Santoso Wibowo Susanto Purnomo Kurniawan Saputra Setiawan Pratama Nugroho Prasetyo "
                              "Wijayanto Hartono Sutanto Sudarsono Soedarsono Mulyono Haryanto Suryadi Raharjo Rahardjo",
    ("jawa", "P", "surname"): "Wahyuni Lestari Rahayu Astuti Handayani Wulandari Susanti Purwanti Kusumawati "
                              "Setyaningsih Rahmawati Pratiwi Utami Sulistyowati Ningsih",
    ("sunda", "L", "given"): "Asep Ujang Cecep Dadang Yayan Nana Dede Dudung Entis Ade Iwan Aceng Encep Jajang Ohim "
                             "Ujang Agus Deden Endang Yusuf Jusuf Yoesoef Rahmat Wawan Ayi Mamat Usep",
    ("sunda", "P", "given"): "Euis Neneng Iis Dede Imas Cucu Enok Nining Tati Yeti Lilis Nia Rina Dewi Siti Popon "
                             "Ela Nenden Ai Eneng Yanti Ratna Tuti",
    ("sunda", "L", "surname"): "Saepudin Sopyan Supriatna Hidayat Kurnia Rusmana Suryana Permana Ruhiyat Sumantri "
                               "Komarudin Setiadi Gunawan Nurdin",
    ("sunda", "P", "surname"): "Komariah Rohayati Nurhasanah Kurniasih Sumiati Rosmiati Herawati Mulyati Suryani",
    ("arab", "L", "prefix"): "Sayid Habib Sjech Syekh",
    ("arab", "L", "given"): "Ahmad Abdullah Abdulah Umar Hasan Husein Ali Alwi Zein Hamid Salim Muhsin Idrus Agil "
                            "Abdul_Rahman Abdul_Kadir Abdurrahman Fuad Fahmi Hadi Thoha Yusuf",
    ("arab", "P", "prefix"): "Syarifah Sjarifah Sarifah",
    ("arab", "P", "given"): "Fatimah Aisyah Khadijah Zainab Rugayah Alawiyah Nur Salma Maryam Hafsah Sidah Ruqoyah",
    ("arab", "L", "surname"): "Alatas Al_Attas Assegaf Shahab Syihab Al_Habsyi Baswedan Bafadhal Alaydrus Al_Jufri "
                              "Bin_Smith Albar Bahasuan Alkaff",
    ("batak", "L", "given"): "Rudolf Jhonson Martua Parlindungan Tigor Sahat Hotman Poltak Ruhut Bonar Marihot Togar "
                             "Horas Andreas Daniel Samuel Freddy Binsar Pahala Saut Maruli",
    ("batak", "P", "given"): "Maria Rosmawati Tiurma Lamria Rotua Hotmaida Nurmala Rumondang Sondang Lasma Romauli "
                             "Ester Debora Lidya Rosdiana Sarma Melati",
    ("batak", "L", "surname"): "Simanjuntak Siregar Nasution Harahap Sitorus Hutapea Panjaitan Situmorang Manurung "
                               "Lubis Sinaga Tambunan Simatupang Hutagalung Pardede Sihombing Silalahi Napitupulu "
                               "Sianturi Pasaribu Marpaung Damanik Ginting Tarigan Sembiring Purba Saragih Hasibuan",
    ("tionghoa", "L", "given"): "Hendra Susanto Budi Hartono Wijaya Darmadi Sugianto Handoko Kevin Yohanes Felix "
                                "Steven Andi Rudy Rudi Tjandra Cahyadi Tjahjadi Sutanto Hengky Johan Ivan Jimmy Lukas",
    ("tionghoa", "P", "given"): "Linda Melinda Lanny Susi Lili Mei_Ling Lie_Hwa Yuliana Fransiska Veronika Jessica "
                                "Natalia Stefani Wenny Lina Siu_Lan Meiliana Cindy Christine Vivian",
    ("tionghoa", "L", "surname"): "Wijaya Halim Gunawan Tanoto Santoso Kurniawan Salim Tanuwijaya Setiadi Lim Tan Lie "
                                  "Liem Ong Gozali Hartanto Sutedja Widjaja Tanjaya Lesmana Hadinata Sugiarto",
    ("tionghoa", "P", "surname"): "Wijaya Halim Gunawan Tan Lim Lie Liem Ong Salim Widjaja Tanjaya",
    ("bali", "L", "prefix"): "I_Wayan I_Made I_Nyoman I_Ketut I_Putu I_Gede I_Komang I_Kadek",
    ("bali", "L", "given"): "Sudarsana Sukadana Suarta Artana Darma Wirawan Budiarta Suparta Mahendra Arimbawa Gunawan",
    ("bali", "P", "prefix"): "Ni_Wayan Ni_Made Ni_Nyoman Ni_Ketut Ni_Putu Ni_Luh Ni_Komang Ni_Kadek",
    ("bali", "P", "given"): "Sudiarti Sukarmi Ariani Suryani Puspitasari Widiastuti Sriasih Kartika Yuliani Dewi",
    ("nasrani", "L", "given"): "Yohanes Petrus Paulus Markus Yakobus Stefanus Fransiskus Antonius Agustinus Benediktus "
                               "Robert Michael Christian Kristian Jonathan Yosua Immanuel Frans Albert Hendrik",
    ("nasrani", "P", "given"): "Maria Magdalena Theresia Katarina Elisabeth Agnes Veronika Yohana Christina Monika "
                               "Margaretha Febriani Natalia Grace Angelina Lusiana Priskila",
    ("nasrani", "L", "surname"): "Manuputty Pattinama Latuconsina Wattimena Lumentut Rumengan Tumbelaka Mandagi "
                                 "Sompotan Kaunang Pangemanan Sihombing Tanamal Lopulalan Fernandez Da_Costa Parera",
    ("asing", "L", "given"): "John David James Michael Hiroshi Takeshi Kenji Min-jun Ji-hoon Wei Jian Rajesh Arjun "
                             "Pierre Hans Mark Thomas Lars",
    ("asing", "P", "given"): "Sarah Emily Anna Yuki Sakura Ji-woo Seo-yeon Mei Xiu Priya Anjali Marie Sophie Laura",
    ("asing", "L", "surname"): "Smith Johnson Brown Tanaka Suzuki Sato Kim Lee Park Wang Zhang Chen Sharma Patel Martin "
                               "Muller Schmidt Anderson",
    ("asing", "P", "surname"): "Smith Johnson Brown Tanaka Suzuki Sato Kim Lee Park Wang Zhang Chen Sharma Patel "
                               "Martin Muller",
}

# Probability of each token kind, per culture and sex: (prefix, surname). The given
# name is always there. Muslim men often carry a Muhammad prefix, women Siti or Nur.
TOKEN_PROBABILITIES = {
    "umum": {"L": (0.18, 0.75), "P": (0.10, 0.70)},
    "betawi": {"L": (0.35, 0.45), "P": (0.30, 0.40)},
    "jawa": {"L": (0.10, 0.55), "P": (0.12, 0.50)},
    "sunda": {"L": (0.12, 0.60), "P": (0.15, 0.55)},
    "arab": {"L": (0.30, 0.95), "P": (0.60, 0.90)},
    "batak": {"L": (0.0, 1.0), "P": (0.0, 1.0)},
    "tionghoa": {"L": (0.0, 0.85), "P": (0.0, 0.80)},
    "bali": {"L": (1.0, 0.0), "P": (1.0, 0.0)},
    "nasrani": {"L": (0.0, 0.70), "P": (0.0, 0.65)},
    "asing": {"L": (0.0, 1.0), "P": (0.0, 1.0)},
}
# Cultures whose children take the father's (head's) family name.
FAMILY_SURNAME = {"batak", "tionghoa", "arab", "nasrani", "asing"}

ISLAMIC_PREFIX = {"L": MUHAMMAD + ["Abdul", "Ahmad", "H."], "P": ["Siti", "St.", "Nur", "Noer", "Nurul", "Hj."]}

# Spelling variants: any member of a group may be written as another (duplicates use this).
VARIANT_GROUPS = [
    MUHAMMAD[:-1], ["Yusuf", "Jusuf", "Yoesoef"], ["Suharto", "Soeharto"], ["Sukarno", "Soekarno"],
    ["Sutrisno", "Soetrisno"], ["Nur", "Noer"], ["Siti", "St."], ["Rizki", "Rizky", "Risky"],
    ["Fatimah", "Fatima"], ["Abdullah", "Abdulah"], ["Syarifah", "Sjarifah", "Sarifah"], ["Cahyadi", "Tjahjadi"],
    ["Rudy", "Rudi"], ["Subagyo", "Soebagio"], ["Rahardjo", "Raharjo"], ["Widjaja", "Wijaya"], ["Lie", "Lee"],
    ["Sumiyati", "Soemiati"], ["Sudarsono", "Soedarsono"], ["Syihab", "Shahab"], ["Lim", "Liem"],
]

STREET_ROOTS = (
    "Kebon Jeruk", "Kebon Kacang", "Kebon Sirih", "Kramat", "Cempaka Putih", "Mawar", "Melati", "Kenanga", "Anggrek",
    "Flamboyan", "Masjid", "Swadaya", "Haji Naman", "Kemuning", "Pedongkelan", "H. Ten", "Tanah Tinggi", "Kampung Bali",
    "Bendungan Hilir", "Pisangan Baru", "Rawa Bening", "Cipinang Jaya", "Pulo Gadung", "Kayu Manis", "Salemba Tengah",
    "Petamburan", "Jati Bunder", "Kwitang", "Kali Pasir", "Rawa Belong", "Kemandoran", "Palmerah Utara", "Tanjung Duren",
    "Duri Kepa", "Kembangan Raya", "Pesanggrahan", "Ciledug Raya", "Kebayoran Lama", "Radio Dalam", "Gandaria",
    "Cilandak KKO", "Ampera Raya", "Pejaten Raya", "Kalibata", "Duren Tiga", "Mampang Prapatan", "Tebet Barat",
    "Manggarai Utara", "Menteng Atas", "Setiabudi", "Cipete Raya", "Lenteng Agung", "Srengseng Sawah", "Jagakarsa",
    "Kramat Jati", "Condet Raya", "Dukuh", "Ciracas", "Cibubur", "Kelapa Dua Wetan", "Pondok Gede", "Kalimalang",
    "Pondok Kelapa", "Duren Sawit", "Klender", "Cakung", "Pulogebang", "Rawa Terate", "Penggilingan", "Cilincing",
    "Marunda", "Semper", "Tugu Utara", "Koja", "Warakas", "Sunter Agung", "Kelapa Gading", "Pademangan",
    "Penjaringan", "Muara Angke", "Kapuk", "Cengkareng", "Kalideres", "Tegal Alur", "Kamal", "Pluit", "Pantai Indah",
    "Jembatan Lima", "Tambora", "Angke", "Krendang", "Mangga Besar", "Taman Sari", "Pinangsia", "Glodok", "Pekojan",
    "Pulau Panggang", "Pulau Kelapa", "Pulau Harapan", "Pulau Tidung", "Pulau Untung Jawa", "Pulau Pari",
    "Bhakti", "Damai", "Sejahtera", "Persatuan", "Harapan", "Remaja", "Pemuda", "Pendidikan", "Wakaf", "Musholla",
    "Langgar", "Sawo", "Nangka", "Rambutan", "Jambu", "Belimbing", "Delima", "Mangga", "Duku", "Salak",
) + tuple(FakerAddress.streets)
STREET_PREFIXES = ("Jl.", "Jl.", "Jl.", "Gg.", "Gg.")
ROMAN = ("", "", "", "", " I", " II", " III", " IV", " V", " VI", " VII", " VIII")

# Birthplaces outside DKI with a real Kemendagri kab/kota code (kecamatan digits are
# drawn 01-05), grouped by the cultures that most often come from there.
ORIGINS = {
    "umum": [("Bogor", "3201"), ("Bekasi", "3275"), ("Tangerang", "3671"), ("Depok", "3276"), ("Bandung", "3273"),
             ("Semarang", "3374"), ("Surabaya", "3578"), ("Medan", "1275"), ("Palembang", "1671"), ("Padang", "1371"),
             ("Bandar Lampung", "1871"), ("Makassar", "7371"), ("Serang", "3604"), ("Cirebon", "3209"),
             ("Pekanbaru", "1471"), ("Pontianak", "6171"), ("Yogyakarta", "3471"), ("Malang", "3573")],
    "betawi": [("Bekasi", "3275"), ("Tangerang", "3671"), ("Depok", "3276"), ("Bogor", "3201")],
    "jawa": [("Semarang", "3374"), ("Surakarta", "3372"), ("Kebumen", "3305"), ("Wonogiri", "3312"),
             ("Klaten", "3310"), ("Tegal", "3328"), ("Brebes", "3329"), ("Yogyakarta", "3471"), ("Surabaya", "3578"),
             ("Purworejo", "3306"), ("Pemalang", "3327"), ("Kediri", "3506")],
    "sunda": [("Bogor", "3201"), ("Bandung", "3273"), ("Garut", "3205"), ("Tasikmalaya", "3206"),
              ("Kuningan", "3208"), ("Cianjur", "3203"), ("Sukabumi", "3202"), ("Sumedang", "3211")],
    "arab": [("Pekalongan", "3375"), ("Surabaya", "3578"), ("Palembang", "1671"), ("Bogor", "3201")],
    "batak": [("Medan", "1275"), ("Tarutung", "1202"), ("Pematangsiantar", "1272"), ("Balige", "1212"),
              ("Sibolga", "1273")],
    "tionghoa": [("Medan", "1275"), ("Pontianak", "6171"), ("Singkawang", "6172"), ("Tangerang", "3671"),
                 ("Bangka", "1901"), ("Surabaya", "3578")],
    "bali": [("Denpasar", "5171"), ("Gianyar", "5104"), ("Tabanan", "5102"), ("Buleleng", "5108")],
    "nasrani": [("Manado", "7171"), ("Ambon", "8171"), ("Kupang", "5371"), ("Medan", "1275"), ("Jayapura", "9471")],
    "asing": [("Jakarta", "")],
}
# Birthplaces written for people born in DKI: SIAK mostly records "JAKARTA".
DKI_BIRTHPLACES = ("Jakarta", "Jakarta", "Jakarta", "Jakarta", "Jakarta", "Jakarta Pusat", "Jakarta Utara",
                   "Jakarta Barat", "Jakarta Selatan", "Jakarta Timur")


def _words(text: str) -> list[str]:
    return [w.replace("_", " ") for w in text.split()]


def _dedupe(words) -> list[str]:
    return list(dict.fromkeys(words))


@dataclass(frozen=True)
class NamePools:
    strings: np.ndarray  # object array of every token
    offset: np.ndarray  # [culture, sex, part] -> first index
    size: np.ndarray  # [culture, sex, part] -> number of tokens
    variant: np.ndarray  # token index -> index of another spelling (itself when none)
    token_probability: np.ndarray  # [culture, sex, 2] -> (p prefix, p surname)


@lru_cache(maxsize=1)
def name_pools() -> NamePools:
    faker_male = _dedupe(FakerPerson.first_names_male)
    faker_female = _dedupe(FakerPerson.first_names_female)
    lists: dict[tuple[str, str, str], list[str]] = {}
    for culture in CULTURES:
        for sex in SEXES:
            for part in PARTS:
                lists[(culture, sex, part)] = _words(_CURATED.get((culture, sex, part), ""))
    # The generic Indonesian pool is Faker's; Muslim cultures share the Islamic prefixes.
    lists[("umum", "L", "given")] = faker_male
    lists[("umum", "P", "given")] = faker_female
    lists[("umum", "L", "surname")] = _dedupe(FakerPerson.last_names_male)
    lists[("umum", "P", "surname")] = _dedupe(FakerPerson.last_names_female)
    for culture in ("umum", "betawi", "jawa", "sunda"):
        for sex in SEXES:
            lists[(culture, sex, "prefix")] = list(ISLAMIC_PREFIX[sex])
    for sex in SEXES:
        # Jakarta's Javanese and Sundanese also carry the generic Indonesian names.
        for culture in ("jawa", "sunda", "betawi"):
            generic = faker_male if sex == "L" else faker_female
            lists[(culture, sex, "given")] += generic[: len(generic) // 4]
        lists[("nasrani", sex, "given")] += [n for n in (faker_male if sex == "L" else faker_female)][::5]
        if not lists[("nasrani", sex, "surname")]:
            lists[("nasrani", sex, "surname")] = lists[("nasrani", "L", "surname")]
        if not lists[("batak", sex, "surname")]:
            lists[("batak", sex, "surname")] = lists[("batak", "L", "surname")]
        if not lists[("arab", sex, "surname")]:
            lists[("arab", sex, "surname")] = lists[("arab", "L", "surname")]
        if not lists[("tionghoa", sex, "surname")]:
            lists[("tionghoa", sex, "surname")] = lists[("tionghoa", "L", "surname")]

    strings: list[str] = []
    index_of: dict[str, int] = {}
    shape = (len(CULTURES), len(SEXES), len(PARTS))
    offset = np.zeros(shape, np.int32)
    size = np.zeros(shape, np.int32)
    # Each slice is contiguous in `strings` (tokens may repeat across slices).
    for c, culture in enumerate(CULTURES):
        for s, sex in enumerate(SEXES):
            for p, part in enumerate(PARTS):
                words = lists[(culture, sex, part)]
                offset[c, s, p] = len(strings)
                size[c, s, p] = len(words)
                for w in words:
                    index_of.setdefault(w, len(strings))
                    strings.append(w)
    variant = np.arange(len(strings), dtype=np.int32)
    for group in VARIANT_GROUPS:
        for i, token in enumerate(strings):
            if token in group:
                others = [g for g in group if g != token and g in index_of]
                if others:
                    variant[i] = index_of[others[hash_token(token) % len(others)]]
    probs = np.array([[TOKEN_PROBABILITIES[c][s] for s in SEXES] for c in CULTURES], np.float64)
    return NamePools(np.array(strings, dtype=object), offset, size, variant, probs)


def hash_token(token: str) -> int:
    # Stable across runs (Python's hash() is salted per process).
    return sum((i + 1) * ord(ch) for i, ch in enumerate(token))


@lru_cache(maxsize=1)
def origin_table() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(places, kabkota codes, offset per culture, size per culture) of non-DKI birthplaces."""
    places, codes = [], []
    offset = np.zeros(len(CULTURES), np.int32)
    size = np.zeros(len(CULTURES), np.int32)
    for c, culture in enumerate(CULTURES):
        offset[c] = len(places)
        size[c] = len(ORIGINS[culture])
        for place, code in ORIGINS[culture]:
            places.append(place)
            codes.append(int(code) if code else 0)
    return np.array(places, dtype=object), np.array(codes, np.int64), offset, size
