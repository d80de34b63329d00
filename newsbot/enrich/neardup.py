"""Near-duplicates: the same story republished with small edits, found by MinHash over shingles.

Why MinHash with banding rather than a 64-bit SimHash: a district news item is short (60–400
words), so one changed sentence moves a SimHash by 5–12 bits, and finding every signature within
that Hamming distance needs either a scan of the store or narrow bands that collide all the time.
MinHash estimates the Jaccard similarity of word 3-shingle sets directly, and its banding (LSH)
turns "similar" into "shares a bucket" with a tunable curve. The buckets live in SQLite
(``article_bands``), so a new article is checked against the whole store with ``BANDS`` indexed
look-ups, and the few candidates are confirmed by the exact Jaccard of their texts.

With ``BANDS`` = 32 bands of ``ROWS`` = 4 rows, a pair becomes a candidate with probability
1-(1-J⁴)³² : 0.87 at J = 0.5, 0.99 at J = 0.6, ~1 at J ≥ 0.7; an unrelated pair (J ≈ 0.02)
almost never. A copy with one sentence changed in a ten-sentence story has J ≈ 0.8–0.9.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterable

from newsbot.core.text import fold_key

logger = logging.getLogger(__name__)

__all__ = [
    "BANDS",
    "MIN_SHINGLES",
    "ROWS",
    "SCHEME",
    "THRESHOLD",
    "band_keys",
    "jaccard",
    "shingles",
    "similarity",
]

#: Words per shingle. Three keeps word order without making one edit touch too many shingles.
SHINGLE_WORDS = 3
NUM_PERM = 128
SEED = 1
BANDS, ROWS = 32, 4
#: Exact Jaccard of the shingle sets at or above which two texts are the same story.
THRESHOLD = 0.5
#: Texts with fewer shingles (about a dozen words) are too short to call near-duplicates.
MIN_SHINGLES = 10
#: Stored with the band index: a change here makes the store rebuild its buckets.
SCHEME = f"minhash:w{SHINGLE_WORDS}:p{NUM_PERM}:s{SEED}:b{BANDS}r{ROWS}"

_WORD = re.compile(r"\w+")


def words(text: str) -> list[str]:
    """Lower-case word tokens with «ё» read as «е» (the same folding as content_hash)."""
    return _WORD.findall(fold_key(text))


def shingles(text: str | None) -> frozenset[str]:
    """The set of word 3-shingles of a text; empty for texts too short to compare."""
    tokens = words(text or "")
    n = SHINGLE_WORDS
    found = frozenset(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
    return found if len(found) >= MIN_SHINGLES else frozenset()


def jaccard(a: Iterable[str], b: Iterable[str]) -> float:
    sa, sb = set(a), set(b)
    if not sa or not sb:
        return 0.0
    return len(sa & sb) / len(sa | sb)


def similarity(text_a: str | None, text_b: str | None) -> float:
    """Exact Jaccard similarity of two texts' shingle sets (0 when either is too short)."""
    return jaccard(shingles(text_a), shingles(text_b))


def band_keys(shingle_set: frozenset[str]) -> list[tuple[int, int]]:
    """``(band, bucket)`` pairs of the MinHash signature: texts sharing a pair are candidates."""
    if not shingle_set:
        return []
    from datasketch import MinHash  # imports scipy (~1 s): only writers pay for it

    mh = MinHash(num_perm=NUM_PERM, seed=SEED)
    mh.update_batch([s.encode("utf-8") for s in sorted(shingle_set)])
    values = mh.hashvalues
    keys = []
    for band in range(BANDS):
        chunk = values[band * ROWS : (band + 1) * ROWS].astype("<u8").tobytes()
        digest = hashlib.blake2b(chunk, digest_size=8).digest()
        keys.append((band, int.from_bytes(digest, "little", signed=True)))
    return keys
