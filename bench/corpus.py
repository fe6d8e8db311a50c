"""Deterministic benchmark corpus: real Vietnamese sentences recombined into new articles.

The source is a JSONL(.gz) file of real articles with keys ``doc_id, url, date, category,
title, sentences`` (e.g. the Underthesea News Corpus, given on the command line; it is never
bundled). To reach N articles the generator, seeded, does:

1. the first ``len(source)`` articles are the real ones, re-homed onto a union site;
2. every further article takes a *base* real article: its title, and as many sentences as a
   randomly drawn real article has (so lengths follow the real distribution); about half
   of the sentences come from the base article in order, the rest are random sentences
   from the whole pool, so vocabulary and word co-occurrence stay realistic while texts
   differ;
3. each article gets a new URL, a site/province from ``SITES``, a publication time
   uniform over 2015–2025, a lead (its first sentence) and paragraphs of 1–4 sentences.

Same source + same seed ⇒ the same corpus, byte for byte.
"""
from __future__ import annotations

import gzip
import hashlib
import json
import random
from datetime import datetime, timedelta
from pathlib import Path
from typing import Iterator

# (slug, domain, province): union federation sites the records are spread over
SITES = (
    ("laodongthudo", "laodongthudo.vn", "Hà Nội"),
    ("congdoannghean", "congdoannghean.vn", "Nghệ An"),
    ("tuoitrekiengiang", "tuoitrekiengiang.vn", "Kiên Giang"),
    ("ldldquangninh", "congdoanquangninh.org.vn", "Quảng Ninh"),
    ("laodong", "laodong.vn", "Hà Nội"),
    ("congdoanbinhduong", "congdoanbinhduong.org.vn", "Bình Dương"),
    ("baonghean", "baonghean.vn", "Nghệ An"),
    ("laodongcongdoan", "laodongcongdoan.vn", "Hà Nội"),
    ("congdoanhcm", "congdoantphcm.org.vn", "Thành phố Hồ Chí Minh"),
    ("congdoandanang", "congdoandanang.vn", "Đà Nẵng"),
)
START = datetime(2015, 1, 1)
SPAN_SECONDS = int((datetime(2025, 12, 31) - START).total_seconds())


def load_source(path: str | Path) -> list[dict]:
    """Real articles with at least one sentence, from JSONL or JSONL.gz."""
    path = Path(path)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    return [row for row in rows if row.get("sentences") and row.get("title")]


def _paragraphs(sentences: list[str], rng: random.Random) -> str:
    paragraphs, i = [], 0
    while i < len(sentences):
        size = rng.randint(1, 4)
        paragraphs.append(" ".join(sentences[i:i + size]))
        i += size
    return "\n\n".join(paragraphs)


def generate(source: list[dict], count: int, seed: int = 42) -> Iterator[dict]:
    """``count`` article records in the store's record shape."""
    rng = random.Random(seed)
    pool = [sentence for article in source for sentence in article["sentences"]]
    for number in range(count):
        if number < len(source):
            base = source[number]
            sentences = list(base["sentences"])
        else:
            base = source[rng.randrange(len(source))]
            length = len(source[rng.randrange(len(source))]["sentences"])
            own = base["sentences"][: max(1, length // 2)]
            sentences = own + [pool[rng.randrange(len(pool))] for _ in range(max(0, length - len(own)))]
        slug, domain, province = SITES[rng.randrange(len(SITES))]
        published = START + timedelta(seconds=rng.randrange(SPAN_SECONDS))
        summary, body_sentences = (sentences[0], sentences[1:]) if len(sentences) > 1 else ("", sentences)
        body = _paragraphs(body_sentences, rng)
        title = base["title"]
        yield {
            "url": f"https://{domain}/bai-viet-{number}.html",
            "site": slug,
            "province": province,
            "title": title,
            "summary": summary,
            "published_at": published.strftime("%Y-%m-%dT%H:%M:00+07:00"),
            "updated_at": None,
            "author": None,
            "source": None,
            "tags": [base.get("category") or "tin tức"],
            "category": base.get("category"),
            "images": [],
            "body": body,
            "fetched_at": "2026-01-01T00:00:00Z",
            "content_hash": hashlib.sha256(f"{title}\n{summary}\n{body}".encode()).hexdigest(),
        }
