"""Russian text with a realistic vocabulary for the benchmark site, seeded and deterministic.

Why: a benchmark site that repeats a few hundred words keeps every per-word cache warm
(pymorphy3's lemmas cost ~14 ms an article cold) and puts unrelated stories into the same
near-duplicate buckets. A real archive's vocabulary keeps growing with its length (Heaps' law)
and its word frequencies fall off as Zipf's law says. So the words here are ranked: first the
replica's text (``tests/replica/articles.json`` and the reference article) by its frequency
there, then ~150k word forms from pymorphy3's dictionary, in a seeded order; each word
is drawn with weight 1/(rank + 2.7), and every story is drawn afresh, so two stories share
frequent words but hardly a three-word shingle.
"""

from __future__ import annotations

import itertools
import random
import re
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED_TEXTS = (
    ROOT / "tests" / "replica" / "articles.json",
    ROOT.parent / "shared" / "reference" / "uv-kurier-article.txt",
)
_RU_WORD = re.compile(r"[а-яё]+")
#: Dictionary prefixes (of the seed text's words) to take word forms from: ~1k forms each.
PREFIXES = 160
ZIPF_SHIFT = 2.7  # Mandelbrot's shift: the top words are less dominant than 1/rank says


class Vocabulary:
    """Ranked Russian word forms and a seeded sampler of Zipf-distributed sentences."""

    def __init__(self, seed: int = 7) -> None:
        self.rng = random.Random(seed)
        self.words = self._ranked_words()
        weights = (1.0 / (rank + ZIPF_SHIFT) for rank in range(len(self.words)))
        self._cum = list(itertools.accumulate(weights))

    def _ranked_words(self) -> list[str]:
        import pymorphy3

        seed_text = " ".join(p.read_text(encoding="utf-8") for p in SEED_TEXTS if p.is_file())
        counts = Counter(_RU_WORD.findall(seed_text.casefold()))
        ranked = [w for w, _n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
        known = set(ranked)
        prefixes = sorted({w[:4] for w in ranked if len(w) >= 5})
        words = pymorphy3.MorphAnalyzer().dictionary.words
        extra: set[str] = set()
        for prefix in self.rng.sample(prefixes, min(PREFIXES, len(prefixes))):
            extra.update(
                k for k in words.keys(prefix) if 3 <= len(k) <= 16 and _RU_WORD.fullmatch(k)
            )
        tail = sorted(extra - known)
        self.rng.shuffle(tail)
        return ranked + tail

    def sentence(self, low: int = 7, high: int = 22) -> str:
        n = self.rng.randint(low, high)
        picked = self.rng.choices(self.words, cum_weights=self._cum, k=n)
        if n > 9:  # a clause break now and then
            picked[self.rng.randint(3, n - 4)] += ","
        text = " ".join(picked)
        return text[0].upper() + text[1:] + "."

    def paragraph(self, low: int = 2, high: int = 6) -> str:
        return " ".join(self.sentence() for _ in range(self.rng.randint(low, high)))
