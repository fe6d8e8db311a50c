"""Republished copies: find exact and near-duplicate articles and link each copy to its original.

Provincial federations republish each other's news and the provincial papers' (Tỉnh đoàn
Kiên Giang republishes Báo Kiên Giang; the same report appears on two sites with another
title, lead or date). Every copy stays in the store; :func:`link_duplicates` sets
``articles.duplicate_of`` on each copy to the group's original so search and export can fold
copies (docs/ARCHITECTURE.md).

How two articles are compared
  The body (title and lead differ between copies, the body rarely does) is normalised:
  NFC, lowercased, old-style tone placement unified ("hoà" → "hòa"), punctuation and
  symbols replaced by spaces. Its syllables form shingles of :data:`SHINGLE_SIZE` = 5;
  similarity is the Jaccard index of the two shingle sets, estimated by a MinHash signature
  (datasketch, :data:`NUM_PERM` = 128 permutations, standard error ≤ 0.045).

Threshold, measured on the replica web's content (``unionnews/replica/content``, 5 sites,
90 articles, 4,005 pairs; ``tests/test_dedup.py`` recomputes it on every run):
  * the republished pair tuoitrekiengiang 9241 ↔ congdoankiengiang 1687 (same body, other
    title, lead, date and source line): Jaccard 1.00, MinHash estimate 1.00;
  * the closest pair that must stay apart: congdoankiengiang 1911 ↔ congdoanquangninh 7213,
    exact 0.054 (the closest scores 0.069 with 4-shingles, 0.109 with 3: longer shingles separate
    better because union reports share stock phrases, not sentences); the highest estimate
    among distinct pairs is 0.063 (congdoanquangninh 8123 ↔ congdoannghean 2712);
  * the named near miss congdoanquangninh 8123 ↔ congdoannghean 3065 (both "sơ kết 3 năm
    Nghị quyết 02-NQ/TW", same structure, different text): exact 0.029, estimate 0.055.
  :data:`THRESHOLD` = 0.5 sits 8x above the closest distinct pair and still links a copy
  that rewrote its lead paragraph or dropped a closing one (the tests' hand-made copy with
  the first of five paragraphs rewritten: exact 0.68, estimate 0.75). Template-generated
  text (``tests/fixtures/replica_sample``, not real prose) scores up to 0.63 between
  distinct items: heavily formulaic text is where this threshold would fail.

Scale: signatures persist in ``article_signatures`` and their LSH band keys in
``article_lsh`` (tables of this module, in the store's SQLite file), so an incremental pass
hashes only new or changed articles and looks candidates up by index instead of loading the
corpus. :data:`BANDS` x :data:`ROWS` = 42 x 3: a pair at Jaccard 0.5 becomes a candidate with
probability 0.996, one at 0.1 with 0.04; candidates are then verified against the full
signature, so banding only costs recall below the threshold, never precision.

The original of a group: the earliest published day; within that day (or when dates are
missing) the article naming no other source (``source`` empty), then the earlier time (a
date-only value as the day's start), then the one stored first. Copies point straight at the original (no chains).
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Iterable

import numpy as np

from archive.store import Store

SHINGLE_SIZE = 5
NUM_PERM = 128
BANDS, ROWS = 42, 3
THRESHOLD = 0.5
MINHASH_SEED = 1
MINHASH_SCHEME = "affine32"  # datasketch 2.x default, pinned: signatures of two schemes never compare
# Bump when normalisation, shingling or hashing changes: every signature is recomputed.
SCHEME_VERSION = 1

# Old-style tone placement (tone on the second vowel of oa/oe/uy) → new style; sites mix
# both and a copy may be retyped ("hoà"/"hòa", "thuỷ"/"thủy"). Only at the end of a syllable:
# "đoàn", "hoàng", "huỳnh" are written alike in both styles, and "qu" is a consonant ("quý").
TONE_PLACEMENT = {
    "oà": "òa", "oá": "óa", "oả": "ỏa", "oã": "õa", "oạ": "ọa",
    "oè": "òe", "oé": "óe", "oẻ": "ỏe", "oẽ": "õe", "oẹ": "ọe",
    "uỳ": "ùy", "uý": "úy", "uỷ": "ủy", "uỹ": "ũy", "uỵ": "ụy",
}
_TONE_PATTERN = re.compile(f"(?<!q)(?:{'|'.join(TONE_PLACEMENT)})(?!\\w)")
# Unicode categories that separate syllables: punctuation, symbols, separators, controls.
_SEPARATOR_CATEGORIES = frozenset("PSZC")

SCHEMA = """
CREATE TABLE IF NOT EXISTS article_signatures (
    article_id INTEGER PRIMARY KEY REFERENCES articles(id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    scheme INTEGER NOT NULL,
    shingles INTEGER NOT NULL,
    signature BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS article_lsh (
    key INTEGER NOT NULL,
    article_id INTEGER NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    PRIMARY KEY (key, article_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS article_lsh_article ON article_lsh(article_id);
"""


# -- text → shingles → signature ------------------------------------------------------------

def syllables(text: str) -> list[str]:
    """The normalised syllables of ``text`` (NFC, lowercase, unified tones, no punctuation)."""
    text = unicodedata.normalize("NFC", text or "").lower()
    text = _TONE_PATTERN.sub(lambda match: TONE_PLACEMENT[match.group(0)], text)
    text = "".join(" " if unicodedata.category(char)[0] in _SEPARATOR_CATEGORIES else char for char in text)
    return text.split()


def shingles(text: str, size: int = SHINGLE_SIZE) -> set[str]:
    """Overlapping runs of ``size`` syllables; a text shorter than that is one shingle."""
    words = syllables(text)
    if not words:
        return set()
    return {" ".join(words[start:start + size]) for start in range(max(1, len(words) - size + 1))}


def comparable_text(article: dict) -> str:
    """What two articles are compared on: the body, or title + lead when there is none."""
    return article.get("body") or f"{article.get('title') or ''}\n{article.get('summary') or ''}"


_PERMUTATIONS = None


def signature(shingle_set: set[str]) -> np.ndarray:
    """The MinHash signature (NUM_PERM uint32 values) of a shingle set."""
    global _PERMUTATIONS
    from datasketch import MinHash

    if _PERMUTATIONS is None:  # generating the permutations costs more than hashing one article
        _PERMUTATIONS = MinHash(num_perm=NUM_PERM, seed=MINHASH_SEED, scheme=MINHASH_SCHEME).permutations
    minhash = MinHash(num_perm=NUM_PERM, seed=MINHASH_SEED, permutations=_PERMUTATIONS, scheme=MINHASH_SCHEME)
    minhash.update_batch([shingle.encode("utf-8") for shingle in sorted(shingle_set)])
    # datasketch keeps values below 2**32 in uint64 slots: half the bytes on disk
    return minhash.hashvalues.astype(np.uint32)


def similarity(first: np.ndarray, second: np.ndarray) -> float:
    """Estimated Jaccard index of the two shingle sets behind two signatures."""
    return float(np.count_nonzero(first == second)) / len(first)


def band_keys(sig: np.ndarray) -> list[int]:
    """One signed 64-bit key per LSH band (SQLite INTEGER), the band number mixed in."""
    keys = []
    for band in range(BANDS):
        chunk = sig[band * ROWS:(band + 1) * ROWS].tobytes()
        digest = hashlib.blake2b(band.to_bytes(2, "little") + chunk, digest_size=8).digest()
        keys.append(int.from_bytes(digest, "little", signed=True))
    return keys


# -- choosing the original --------------------------------------------------------------------

def _utc(published_at: str) -> str:
    try:
        parsed = datetime.fromisoformat(published_at)
    except ValueError:
        return published_at
    if parsed.tzinfo is None:
        return published_at
    return parsed.astimezone(timezone.utc).isoformat()


def original_rank(article: dict) -> tuple:
    """Sort key: the smallest is the group's original (see the module docstring)."""
    published = article.get("published_at") or ""
    return (
        not published,                       # unknown dates last
        published[:10],                      # earliest day (local date as the site shows it)
        bool((article.get("source") or "").strip()),  # naming another source marks a copy
        # then the earlier time; a date-only value counts as the start of its day, since the
        # page may have been up since then (the replica's tuoitrekiengiang 9241, date only,
        # is the original of congdoankiengiang 1687, stamped 14:05 the same day)
        _utc(published) if "T" in published else "",
        article["id"],                       # stored first
    )


# -- the pass over the store ------------------------------------------------------------------

@dataclass
class DuplicateGroup:
    original_id: int
    copy_ids: list[int]
    similarity: dict[int, float] = field(default_factory=dict)  # copy id → estimate vs original


@dataclass
class DedupResult:
    groups: list[DuplicateGroup] = field(default_factory=list)
    signatures_computed: int = 0
    articles_checked: int = 0
    links_changed: int = 0


def ensure_schema(store: Store) -> None:
    store.conn.executescript(SCHEMA)
    store.conn.commit()


def drop_signatures(store: Store) -> None:
    """Forget every stored signature (``unionnews dedup --rebuild``)."""
    ensure_schema(store)
    with store.transaction() as conn:
        conn.execute("DELETE FROM article_lsh")
        conn.execute("DELETE FROM article_signatures")


def refresh_signatures(store: Store, batch_size: int = 500) -> set[int]:
    """Compute signatures of articles that have none or an outdated one; returns their ids."""
    ensure_schema(store)
    stale = [row[0] for row in store.conn.execute(
        "SELECT a.id FROM articles a LEFT JOIN article_signatures s ON s.article_id = a.id"
        " WHERE s.article_id IS NULL OR s.version != a.version OR s.scheme != ?", (SCHEME_VERSION,))]
    for start in range(0, len(stale), batch_size):
        batch = stale[start:start + batch_size]
        rows = []
        for article in store.iter_articles(ids=batch, order="id"):
            shingle_set = shingles(comparable_text(article))
            sig = signature(shingle_set) if shingle_set else None
            rows.append((article["id"], article["version"], len(shingle_set), sig))
        with store.transaction() as conn:
            for article_id, version, count, sig in rows:
                conn.execute("DELETE FROM article_lsh WHERE article_id = ?", (article_id,))
                conn.execute(
                    "INSERT OR REPLACE INTO article_signatures(article_id, version, scheme, shingles, signature)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (article_id, version, SCHEME_VERSION, count, sig.tobytes() if sig is not None else b""))
                if sig is not None:
                    conn.executemany("INSERT OR IGNORE INTO article_lsh(key, article_id) VALUES (?, ?)",
                                     [(key, article_id) for key in band_keys(sig)])
    return set(stale)


class _Signatures:
    """Signatures read on demand and kept for the pass (the BFS revisits neighbours)."""

    def __init__(self, store: Store):
        self.conn = store.conn
        self.cache: dict[int, np.ndarray | None] = {}

    def get(self, article_id: int) -> np.ndarray | None:
        if article_id not in self.cache:
            row = self.conn.execute("SELECT signature FROM article_signatures WHERE article_id = ?",
                                    (article_id,)).fetchone()
            blob = row[0] if row else b""
            self.cache[article_id] = np.frombuffer(blob, dtype=np.uint32) if blob else None
        return self.cache[article_id]

    def neighbours(self, article_id: int) -> dict[int, float]:
        """Articles at or above THRESHOLD, found through shared LSH band keys."""
        own = self.get(article_id)
        if own is None:
            return {}
        candidates = [row[0] for row in self.conn.execute(
            "SELECT DISTINCT other.article_id FROM article_lsh mine"
            " JOIN article_lsh other ON other.key = mine.key"
            " WHERE mine.article_id = ? AND other.article_id != ?", (article_id, article_id))]
        found = {}
        for candidate in candidates:
            theirs = self.get(candidate)
            if theirs is not None:
                estimate = similarity(own, theirs)
                if estimate >= THRESHOLD:
                    found[candidate] = estimate
        return found


def link_duplicates(store: Store, article_ids: Iterable[int] | None = None) -> DedupResult:
    """Find republished copies and set ``duplicate_of`` on them; returns the groups touched.

    ``article_ids=None`` is the full pass over the corpus. With ids (the articles a crawl just
    stored), only their groups are recomputed against the whole corpus; articles whose
    signature was missing or outdated (new or changed content) are always included. Links
    that no longer hold (a copy whose text changed) are removed. Idempotent.
    """
    result = DedupResult()
    computed = refresh_signatures(store)
    result.signatures_computed = len(computed)
    if article_ids is None:
        seeds = [row[0] for row in store.conn.execute("SELECT id FROM articles ORDER BY id")]
    else:
        wanted = {int(article_id) for article_id in article_ids} | computed
        # the groups these articles were in before: an original that changed may free its copies
        related = set()
        for chunk_start in range(0, len(wanted), 500):
            chunk = sorted(wanted)[chunk_start:chunk_start + 500]
            marks = ", ".join("?" * len(chunk))
            related |= {row[0] for row in store.conn.execute(
                f"SELECT id FROM articles WHERE duplicate_of IN ({marks})"
                f" UNION SELECT duplicate_of FROM articles WHERE id IN ({marks}) AND duplicate_of IS NOT NULL",
                (*chunk, *chunk))}
        seeds = sorted(wanted | related)
    signatures = _Signatures(store)
    visited: set[int] = set()
    for seed in seeds:
        if seed in visited:
            continue
        component = _component(seed, signatures)
        visited |= component
        result.articles_checked += len(component)
        result.links_changed += _apply_links(store, component, signatures, result)
    return result


def _component(seed: int, signatures: _Signatures) -> set[int]:
    """All articles connected to ``seed`` by above-threshold similarity (graph search)."""
    component, queue = {seed}, [seed]
    while queue:
        for neighbour in signatures.neighbours(queue.pop()):
            if neighbour not in component:
                component.add(neighbour)
                queue.append(neighbour)
    return component


def _apply_links(store: Store, component: set[int], signatures: _Signatures, result: DedupResult) -> int:
    """Point every copy in the component at its original; returns how many links changed."""
    if len(component) == 1:  # the common case: read one column, not the whole article
        (article_id,) = component
        row = store.conn.execute("SELECT duplicate_of FROM articles WHERE id = ?", (article_id,)).fetchone()
        if row is None or row[0] is None:
            return 0
        store.set_duplicate_of(article_id, None)
        return 1
    articles = [store.get_article(article_id) for article_id in sorted(component)]
    articles = [article for article in articles if article is not None]
    if not articles:
        return 0
    original_id = min(articles, key=original_rank)["id"] if len(articles) > 1 else None
    changed = 0
    for article in articles:
        wanted = original_id if article["id"] != original_id else None
        if article.get("duplicate_of") != wanted:
            store.set_duplicate_of(article["id"], wanted)  # logs a change only when the link moves
            changed += 1
    if original_id is not None:
        copies = [article["id"] for article in articles if article["id"] != original_id]
        original_sig = signatures.get(original_id)
        # a copy may join through another copy (chain), so report its direct estimate
        result.groups.append(DuplicateGroup(original_id, copies, {
            copy_id: round(similarity(original_sig, signatures.get(copy_id)), 3) for copy_id in copies}))
    return changed
