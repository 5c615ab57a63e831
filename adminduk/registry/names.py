"""Name keys that survive Indonesian spelling variants. Pure: no database.

Officers type names as they hear them: Muhammad / Muhamad / Mohammad / Moh. / M.,
Yusuf / Jusuf / Yoesoef, Cahya / Tjahja, Syarifah / Sjarifah. The key folds the Van
Ophuijsen and Soewandi spellings into EYD, drops doubled letters and maps the common
abbreviations, so that equal keys mean "probably the same written name". The same
function builds the stored `Person.name_key` and the search key, so they always agree.
"""

import re
import unicodedata
from functools import lru_cache

# Abbreviations and variants of the most common first names and particles.
TOKEN_ALIASES = {
    "m": "muhamad", "mh": "muhamad", "md": "muhamad", "mhd": "muhamad", "moh": "muhamad", "mohd": "muhamad",
    "muh": "muhamad", "muhd": "muhamad", "mohamad": "muhamad", "mohamed": "muhamad", "muhamed": "muhamad",
    "mochamad": "muhamad", "mokhamad": "muhamad", "muchamad": "muhamad", "muhammad": "muhamad",
    "mohammad": "muhamad", "mochammad": "muhamad", "muchammad": "muhamad", "mamad": "muhamad",
    "abd": "abdul", "abdl": "abdul", "a": "a",
    "st": "siti", "sti": "siti",
    "nur": "nur", "noer": "nur", "nurul": "nurul",
}

# Honorifics and degrees that are not part of the registered name.
# Degrees come after a comma ("Budi Santoso, S.Kom") and are cut off with it.
DROP_TOKENS = {"h", "hj", "haji", "hajah", "dr", "drs", "dra", "ir", "prof", "bapak", "ibu", "bpk", "sdr", "sdri",
               "alm", "almh"}

_OLD_MARKERS = ("oe", "dj", "tj", "sj", "nj")
_OLD_TO_EYD = [("tj", "c"), ("dj", "j"), ("sj", "sy"), ("nj", "ny"), ("oe", "u")]


def _fold_spelling(token: str) -> str:
    if token in TOKEN_ALIASES:
        return TOKEN_ALIASES[token]
    # Old-spelling 'j' is EYD 'y' (Soejono/Suyono) but modern 'j' is not (Joko, Jaya):
    # only fold a lone 'j' in a token that shows another old-spelling marker.
    if any(marker in token for marker in _OLD_MARKERS):
        token = re_lone_j.sub("y", token)
        for old, new in _OLD_TO_EYD:
            token = token.replace(old, new)
    token = token.replace("ch", "kh")  # Chairul/Khairul
    token = re.sub(r"(.)\1+", r"\1", token)  # doubled letters: Muhammad, Abdullah, Ayyub
    if len(token) > 3:
        token = re.sub(r"h$", "", token)  # Abdullah/Abdulla, Fatimah/Fatima
        token = re.sub(r"y$", "i", token)  # Rizky/Rizki, Dedy/Dedi
    return TOKEN_ALIASES.get(token, token)


re_lone_j = re.compile(r"(?<![dtsn])j")


@lru_cache(maxsize=200_000)
def name_key(name: str) -> str:
    """Normalised key of a full name: lower case, ASCII, variants folded, honorifics dropped."""
    text = unicodedata.normalize("NFKD", name or "").encode("ascii", "ignore").decode().lower().split(",")[0]
    text = re.sub(r"[^a-z\s]", " ", text.replace(".", " ").replace("'", ""))
    tokens = [t for t in text.split() if t not in DROP_TOKENS]
    return " ".join(_fold_spelling(t) for t in tokens)


def name_tokens(name: str) -> list[str]:
    return name_key(name).split()
