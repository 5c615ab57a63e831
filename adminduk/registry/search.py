"""Name search without a search server: spelling-tolerant, index-only lookups.

How a query is answered (see `queries.search_persons`):

1. The typed name becomes a name key (`names.name_key`: Muhammad/Muhamad/Moh. →
   "muhamad", Jusuf → "yusuf", doubled letters folded).
2. Each word of the key is widened to the words of the register's vocabulary
   (`NameToken`) one typing slip away (a letter missing, added or wrong; some
   two-letter slips too), found through a deletion index in memory ("santosa" →
   "santoso", "yusup" → "yusuf"; the SymSpell idea). The products of these words are
   whole name keys, looked up exactly in the (name_key, birth_date) index.
3. A name that is the start of longer names ("budi" → "budi santoso") is an index
   range scan on name_key.
4. With a birth date, every person born that day (a few hundred at DKI scale) is
   scored too, which catches words in another order and missing words.

Everything stays an index lookup, so the cost does not grow with the register.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import defaultdict

from django.db import connection, transaction

from .models import NameToken

MAX_WORD_CHOICES = 4  # spelling alternatives tried per word
MAX_KEYS = 48  # whole-name keys looked up per query
VOCAB_TTL_SECONDS = 600


def refresh_name_tokens() -> int:
    """Rebuild the vocabulary from Person.name_key (one index scan). Call after a
    bulk load; returns the number of distinct words."""
    counts: dict[str, int] = defaultdict(int)
    with connection.cursor() as cur:
        cur.execute("SELECT name_key, COUNT(*) FROM registry_person GROUP BY name_key")
        while rows := cur.fetchmany(50_000):
            for key, n in rows:
                for token in set((key or "").split()):
                    counts[token[:60]] += n
    with transaction.atomic():
        NameToken.objects.all().delete()
        NameToken.objects.bulk_create((NameToken(token=t, persons=n) for t, n in counts.items()), batch_size=5000)
    _VOCAB.reset()
    return len(counts)


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1:] for i in range(len(word))}


class _Vocabulary:
    """Per-process cache of the vocabulary and its deletion index."""

    def __init__(self):
        self._lock = threading.Lock()
        self.reset()

    def reset(self):
        # None, not 0.0: monotonic() counts from boot, so on a machine up for less than
        # the TTL "0.0" would look fresh and the vocabulary would never load.
        self.loaded_at: float | None = None
        self.counts: dict[str, int] = {}
        self.by_deletion: dict[str, list[str]] = {}

    def _load(self):
        counts = dict(NameToken.objects.values_list("token", "persons"))
        if not counts:
            from .models import Person

            if Person.objects.exists():
                refresh_name_tokens()
                counts = dict(NameToken.objects.values_list("token", "persons"))
        index: dict[str, list[str]] = defaultdict(list)
        for word in counts:
            if len(word) >= 4:  # short words get no spelling widening: too many neighbours
                for d in _deletions(word) | {word}:
                    index[d].append(word)
        self.counts, self.by_deletion, self.loaded_at = counts, dict(index), time.monotonic()

    def _stale(self) -> bool:
        return self.loaded_at is None or time.monotonic() - self.loaded_at > VOCAB_TTL_SECONDS

    def ensure(self):
        if self._stale():
            with self._lock:
                if self._stale():
                    self._load()
        return self

    def alternatives(self, word: str) -> list[str]:
        """The word itself, then register words within ~two edits, most common first."""
        found = set()
        if len(word) >= 4:
            probes = _deletions(word) | {word}
            for probe in probes:
                found.update(self.by_deletion.get(probe, ()))
            found = {w for w in found if _edit_distance_at_most(word, w, 2)}
        found.discard(word)
        ranked = sorted(found, key=lambda w: (-self.counts.get(w, 0), w))
        return [word, *ranked][:MAX_WORD_CHOICES]


_VOCAB = _Vocabulary()


def _edit_distance_at_most(a: str, b: str, limit: int) -> bool:
    if abs(len(a) - len(b)) > limit:
        return False
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return False
        previous = current
    return previous[-1] <= limit


def word_choices(key: str) -> list[list[str]]:
    vocab = _VOCAB.ensure()
    return [vocab.alternatives(word) for word in key.split()]


def candidate_keys(choices: list[list[str]]) -> list[str]:
    """Whole-name keys from the per-word alternatives, the typed spelling first."""
    keys = []
    for combo in itertools.islice(itertools.product(*choices), MAX_KEYS):
        keys.append(" ".join(combo))
    return keys


def score(query_words: list[str], choices: list[list[str]], candidate_key: str) -> float:
    """0..1: how well a register name key matches the query. Each query word scores 1
    if present, 0.8 if a spelling alternative is present, 0.7 if one edit away, 0.6 if
    it starts a word (or a word starts it); the average is reduced when the name has
    words the query lacks."""
    words = candidate_key.split()
    if not query_words or not words:
        return 0.0
    total = 0.0
    for q, alts in zip(query_words, choices, strict=True):
        if q in words:
            total += 1.0
        elif any(a in words for a in alts[1:]):
            total += 0.8
        elif len(q) >= 3 and any(_edit_distance_at_most(q, w, 1) for w in words):
            total += 0.7  # a slip in a short word, which gets no vocabulary alternatives
        elif len(q) >= 3 and any(w.startswith(q) or (len(w) >= 3 and q.startswith(w)) for w in words):
            total += 0.6
    coverage = total / len(query_words)
    extra = max(0, len(words) - len(query_words))
    return coverage * (1.0 - 0.1 * min(extra, 3))
