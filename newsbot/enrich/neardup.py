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

import functools
import hashlib
import logging
import operator
import re
from collections.abc import Iterable, Iterator
from functools import cache
from typing import Any

from newsbot.core.text import YO_FOLDS, fold_key

logger = logging.getLogger(__name__)

__all__ = [
    "BANDS",
    "MIN_SHINGLES",
    "ROWS",
    "SCHEME",
    "THRESHOLD",
    "band_keys",
    "jaccard",
    "shingle_tuples",
    "shingles",
    "similarity",
    "text_keys",
    "word_keys",
    "word_tuples",
    "words_from_casefolded",
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


#: fold_yo of a casefolded word: of ``YO_FOLDS`` only («ё», «е») can apply after casefolding.
_FOLD_YO = operator.methodcaller("replace", *YO_FOLDS[0])


def words_from_casefolded(casefolded: str, tokens: list[str]) -> list[str]:
    """``words`` of a text, given its casefolded form and that form's ``\\w+`` tokens (the
    store has both for the lemmas): the same list, each word's «ё» folded (no casefolded text
    holds «Ё»; both letters are word characters, so the runs are the same), by ``map`` of a C
    method (most texts hold a «ё»: a second tokenisation cost more).
    """
    return list(map(_FOLD_YO, tokens)) if "ё" in casefolded else tokens


def shingles(text: str | None) -> frozenset[str]:
    """The set of word 3-shingles of a text; empty for texts too short to compare."""
    tokens = words(text or "")
    n = SHINGLE_WORDS
    found = frozenset(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
    return found if len(found) >= MIN_SHINGLES else frozenset()


def shingle_tuples(text: str | None) -> frozenset[tuple[str, ...]]:
    """The same shingles as ``shingles``, as word tuples, for the exact similarity only.

    Words hold no space, so a tuple is equal exactly when its joined string is: the Jaccard is
    the same, without building a string per shingle (the store confirms up to 20 candidates a
    row, each re-read from its text: that was most of an upsert's cost on a large store).
    """
    return word_tuples(words(text or ""))


def word_tuples(tokens: list[str]) -> frozenset[tuple[str, ...]]:
    """``shingle_tuples`` of the text these are the ``words`` of."""
    found = frozenset(zip(*(tokens[i:] for i in range(SHINGLE_WORDS)), strict=False))
    return found if len(found) >= MIN_SHINGLES else frozenset()


def jaccard(a: Iterable[Any], b: Iterable[Any]) -> float:
    sa = a if isinstance(a, frozenset | set) else set(a)
    sb = b if isinstance(b, frozenset | set) else set(b)
    if not sa or not sb:
        return 0.0
    common = len(sa & sb)
    return common / (len(sa) + len(sb) - common)  # |a ∪ b| without building the union


def similarity(text_a: str | None, text_b: str | None) -> float:
    """Exact Jaccard similarity of two texts' shingle sets (0 when either is too short)."""
    return jaccard(shingle_tuples(text_a), shingle_tuples(text_b))


@cache
def _permutations() -> tuple[Any, Any]:
    """The ``NUM_PERM`` affine maps h -> a*h + b (mod 2^32, odd a), drawn once per process."""
    import numpy as np

    gen = np.random.RandomState(SEED)
    a = gen.randint(0, 1 << 31, NUM_PERM, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, NUM_PERM, dtype=np.uint32)
    return a, b


def signature(shingle_set: frozenset[str]) -> Any:
    """The MinHash signature: ``NUM_PERM`` uint32 minima of the permuted shingle hashes.

    Why not datasketch: importing it pulls in scipy (~0.7 s of CPU in every storing run), and
    each of its ``MinHash`` objects redraws its permutations (~0.5 ms). This is its default
    scheme ("affine32", datasketch 2.0) step for step — SHA-1's first 4 bytes, MurmurHash3's
    32-bit finalizer, then the affine maps — so the buckets of a store written with datasketch
    stay valid (``tests/test_neardup.py`` holds the exact keys).
    """
    return _minhash(_sha1_words(s.encode("utf-8") for s in shingle_set))


#: ``HASH.digest`` unbound, so that ``map`` calls it (and ``hashlib.sha1``) with no Python
#: frame a shingle: a row's ~130 shingles are hashed in C-level loops.
_SHA1_DIGEST = type(hashlib.sha1()).digest
_BLAKE2B_DIGEST = type(hashlib.blake2b()).digest
_BUCKET_HASH = functools.partial(hashlib.blake2b, digest_size=8)


def _sha1_words(encoded: Iterable[bytes]) -> Any:
    """Each shingle's SHA-1, its first 4 bytes as a little-endian uint32 (datasketch's hash).

    The 20-byte digests are joined and read as uint32 with a stride of five: no slice a digest.
    """
    import numpy as np

    digests = b"".join(map(_SHA1_DIGEST, map(hashlib.sha1, encoded)))
    return np.frombuffer(digests, dtype="<u4")[::5]


def _minhash(hashes: Any) -> Any:
    """MurmurHash3's finalizer, then the minimum of each affine map (duplicates change no
    minimum, so the hashes need not be distinct).

    The finalizer works in place on one array and one scratch array (uint32 arithmetic wraps
    the same either way): each ``hv = hv ^ (hv >> k)`` had made two arrays.
    """
    import numpy as np

    u16, u13 = np.uint32(16), np.uint32(13)
    hv = hashes >> u16  # the one copy: ``hashes`` is a read-only strided view
    hv ^= hashes
    scratch = np.empty_like(hv)
    hv *= np.uint32(0x85EBCA6B)
    hv ^= np.right_shift(hv, u13, out=scratch)
    hv *= np.uint32(0xC2B2AE35)
    hv ^= np.right_shift(hv, u16, out=scratch)
    a, b = _permutations()
    permuted = np.multiply(hv.reshape(-1, 1), a)
    permuted += b
    return permuted.min(axis=0)


def band_keys(shingle_set: frozenset[str]) -> list[tuple[int, int]]:
    """``(band, bucket)`` pairs of the MinHash signature: texts sharing a pair are candidates."""
    if not shingle_set:
        return []
    return _keys(signature(shingle_set))


def text_keys(text: str | None) -> list[tuple[int, int]]:
    """``band_keys(shingles(text))``, the same pairs, the store's path (once a row).

    Shingles stay UTF-8 bytes (what SHA-1 reads anyway) and are not made a set: a repeated
    shingle changes no minimum. Whether there are ``MIN_SHINGLES`` distinct ones is read from
    the words: the shingle that ends at a word's first occurrence is distinct for each word
    (its last word differs), so D distinct words give at least D - 2 distinct shingles; only
    a text with fewer words than that has its shingles counted.
    """
    return word_keys(words(text or ""))


def word_keys(tokens: list[str]) -> list[tuple[int, int]]:
    """``text_keys`` of the text these are the ``words`` of."""
    encoded = list(map(str.encode, tokens))
    if len(encoded) - SHINGLE_WORDS + 1 < MIN_SHINGLES:
        return []

    def joined() -> Iterator[bytes]:
        return map(b" ".join, zip(*(encoded[i:] for i in range(SHINGLE_WORDS)), strict=False))

    if len(set(encoded)) < MIN_SHINGLES + SHINGLE_WORDS - 1 and len(set(joined())) < MIN_SHINGLES:
        return []
    return _keys(_minhash(_sha1_words(joined())))


def _keys(values: Any) -> list[tuple[int, int]]:
    """Each band's ``ROWS`` values as little-endian uint64, hashed by BLAKE2b to a signed
    64-bit bucket: the 32 digests joined and read by NumPy, no ``int.from_bytes`` a band."""
    import numpy as np

    rows = values.astype("<u8").reshape(BANDS, ROWS)
    digests = b"".join(map(_BLAKE2B_DIGEST, map(_BUCKET_HASH, rows)))
    return list(enumerate(np.frombuffer(digests, dtype="<i8").tolist()))
