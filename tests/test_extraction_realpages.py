"""Real pages written by other people (../shared/realpages): no article refused, body F1 held.

The corpus sits beside the checkout (as CI lays it out); the benchmark
``benchmarks/bench_extraction.py`` prints the full figures and the worst pages.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.bench_extraction import corpus_scores, load_corpus, page_scores
from newsbot.extraction import extract_article

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "realpages"

needs_corpus = pytest.mark.skipif(
    not (CORPUS / "ground-truth.json").is_file() and not os.environ.get("CI"),
    reason="../shared/realpages is not beside this checkout",
)


@needs_corpus
def test_every_real_article_is_kept_and_the_body_f1_holds() -> None:
    pages = load_corpus(CORPUS)
    refused = []
    scores = []
    for page_id, url, raw, truth in pages:
        result = extract_article(raw, url)
        if not result.is_article:
            refused.append((page_id[:10], result.reason))
        scores.append(
            page_scores(result.fields.get("text", "") if result.is_article else "", truth)
        )
    assert refused == []
    _, _, f1 = corpus_scores(scores)
    assert f1 >= 0.97, f"body F1 {f1:.3f} fell below 0.97"


@needs_corpus
def test_newsbot_extract_reads_gzip_pages_with_their_urls(tmp_path: Path) -> None:
    truth = json.loads((CORPUS / "ground-truth.json").read_text(encoding="utf-8"))
    ids = sorted(truth)[:2]
    files = [str(CORPUS / "html" / f"{i}.html.gz") for i in ids]
    plain = tmp_path / "page.html"
    plain.write_bytes(gzip.decompress(Path(files[0]).read_bytes()))
    cmd = [sys.executable, "-m", "newsbot.analysis.cli", "extract", *files, str(plain)]
    cmd += ["--url", truth[ids[0]]["url"], "--url", truth[ids[1]]["url"]]
    cmd += ["--fetched-at", "2026-12-01T12:00:00+03:00"]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    records = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [r["url"] for r in records[:2]] == [truth[i]["url"] for i in ids]
    assert records[2]["url"] == ""  # a file:// page has no dataset URL without --url
    assert records[2]["text"] == records[0]["text"]
    assert all(r["skipped"] is None for r in records)
    assert all(r["scraped_at"] == "2026-12-01T09:00:00+00:00" for r in records)
    assert records[0]["sources"]["text"]
