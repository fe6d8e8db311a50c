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

Segmenting a million recombined articles with underthesea would take hours, and they only
hold source sentences. ``segment_sources`` segments every unique source sentence (and
title) once; ``compose_segmentation`` then assembles an article's cached segmentation (the
``indexer.text.segment_article`` shape) from its sentences, offsets shifted into the
article's text. Differences from segmenting the whole text are confined to sentence
boundaries, where underthesea rarely joins words anyway.
"""
from __future__ import annotations

import gzip
import hashlib
import json
import random
import unicodedata
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


def _split_paragraphs(sentences: list[str], rng: random.Random) -> list[list[str]]:
    paragraphs, i = [], 0
    while i < len(sentences):
        size = rng.randint(1, 4)
        paragraphs.append(sentences[i:i + size])
        i += size
    return paragraphs


def generate(source: list[dict], count: int, seed: int = 42) -> Iterator[dict]:
    """``count`` article records in the store's record shape."""
    for record, _ in generate_with_parts(source, count, seed):
        yield record


def generate_with_parts(source: list[dict], count: int, seed: int = 42) -> Iterator[tuple[dict, dict]]:
    """Records with the sentences they are made of:
    ``{"title": str, "summary": [sentence], "body": [[sentence, ...], ...]}`` (paragraphs)."""
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
        paragraphs = _split_paragraphs(body_sentences, rng)
        body = "\n\n".join(" ".join(paragraph) for paragraph in paragraphs)
        title = base["title"]
        parts = {"title": title, "summary": [summary] if summary else [], "body": paragraphs}
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
        }, parts


def _segment_text(text: str) -> tuple[str, list[int]]:
    from indexer.text import nfc, segment

    words = segment(nfc(text))
    return " ".join(w for w, _, _ in words), [o for _, start, end in words for o in (start, end)]


def segment_sources(source: list[dict], processes: int = 2) -> dict[str, tuple[str, list[int]]]:
    """Every unique sentence and title → (space-joined words, flat offsets), segmented once."""
    from indexer.text import make_pool, warm_up

    texts = sorted({t for a in source for t in [a["title"], *a["sentences"]] if t.strip()})
    warm_up()
    pool = make_pool(processes) if processes > 1 else None
    try:
        results = pool.map(_segment_text, texts, chunksize=64) if pool else [_segment_text(t) for t in texts]
    finally:
        if pool:
            pool.close()
            pool.join()
    return dict(zip(texts, results))


def compose_segmentation(parts: dict, table: dict[str, tuple[str, list[int]]]) -> dict:
    """The cached segmentation of a generated article, assembled from its sentences'.

    Offsets index the NFC text, like ``segment_article``'s: each sentence's offsets are
    shifted by its start in the field (sentences joined by " ", paragraphs by "\\n\\n").
    """
    from indexer.text import SEGMENTATION_VERSION

    def field(pieces: list[list[str]]) -> dict:
        words, offsets, cursor = [], [], 0
        for p, paragraph in enumerate(pieces):
            if p:
                cursor += 2
            for s, sentence in enumerate(paragraph):
                if s:
                    cursor += 1
                sentence_words, sentence_offsets = table.get(sentence) or ("", [])
                if sentence_words:
                    words.append(sentence_words)
                    offsets.extend(o + cursor for o in sentence_offsets)
                cursor += len(unicodedata.normalize("NFC", sentence))
        return {"w": " ".join(words), "o": offsets}

    return {"v": SEGMENTATION_VERSION, "title": field([[parts["title"]]]),
            "summary": field([parts["summary"]]), "body": field(parts["body"])}
