"""Turn an lxml element into clean paragraphs, and clean paragraph lists.

:func:`strip_noise` removes what is never article text (scripts, forms, image tables,
captions, inline related boxes) from a body container; :func:`tree_paragraphs` walks
what is left in document order, one paragraph per block element, splitting legacy
``<br><br>`` runs; :func:`clean_paragraphs` applies the text rules of
:mod:`crawler.extract.rules` (cut at related-news headings, drop counters, share
lines and captions, move the trailing attribution/author lines out of the body).
"""

from __future__ import annotations

import re
from functools import lru_cache

from lxml import etree

from . import rules
from .dates import parse_vn_datetime
from archive.text import normalize_text

_TOKEN_SPLIT_RE = re.compile(r"[\s_\-]+")


def class_tokens(el) -> frozenset[str]:
    """Lower-case tokens of an element's class, id and data-component / data-testid, split on space, "_" and "-", plus
    every run of a word's parts joined ("box-tin-lien-quan" also gives "tinlienquan").

    Page-builder classes (rules.LAYOUT_CLASS_PREFIXES: Elementor, WPBakery, Gutenberg)
    are layout: only the widget's own name counts ("elementor-widget-post-comments" gives
    "post", "comments", "postcomments"; "elementor-widget-text-editor" no noise word).
    """
    classes, ident = el.get("class"), el.get("id")
    # React layouts name their boxes in data attributes (BBC's data-component="byline-block").
    named = el.get("data-component") or el.get("data-testid")
    if not classes and not ident and not named:
        return _NO_TOKENS
    return _tokens_of(f"{classes or ''} {ident or ''} {named or ''}".lower())


_NO_TOKENS: frozenset[str] = frozenset()
_LAYOUT_PREFIX_RE = re.compile("|".join(re.escape(p) for p in rules.LAYOUT_CLASS_PREFIXES))


@lru_cache(maxsize=4096)
def _tokens_of(raw: str) -> frozenset[str]:
    tokens: set[str] = set()
    for word in raw.split():
        if prefix := _LAYOUT_PREFIX_RE.match(word):
            parts = [t for t in _TOKEN_SPLIT_RE.split(word[prefix.end():]) if t and t not in rules.LAYOUT_WORDS]
        else:
            parts = [t for t in _TOKEN_SPLIT_RE.split(word) if t]
        tokens.update(parts)
        for i in range(len(parts) - 1):  # "box-tin-lien-quan": tinlien, tinlienquan, lienquan, ...
            for j in range(i + 2, len(parts) + 1):
                tokens.add("".join(parts[i:j]))
    return frozenset(tokens)


def element_text(el) -> str:
    """Normalised text of an element, ignoring scripts and styles."""
    parts = el.xpath(".//text()[not(ancestor::script) and not(ancestor::style)]")
    return normalize_text(" ".join(parts))


def _drop(el) -> None:
    """Remove an element but keep its tail text in the tree."""
    parent = el.getparent()
    if parent is None:
        return
    if el.tail:
        prev = el.getprevious()
        if prev is not None:
            prev.tail = (prev.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)


def _is_caption_holder(el) -> bool:
    """An image table or image paragraph whose only text is a caption."""
    tag = el.tag if isinstance(el.tag, str) else ""
    if tag not in ("table", "p", "div", "center"):
        return False
    if not el.xpath(".//img"):
        return False
    return len(element_text(el)) <= rules.MAX_CAPTION_CHARS


def _is_styled_caption(el) -> bool:
    """A short block set wholly in italics right after an image-only block."""
    previous = el.getprevious()
    if el.tag not in rules.BLOCK_TAGS or previous is None or not isinstance(previous.tag, str):
        return False
    if not previous.xpath(".//img") or element_text(previous):
        return False
    text = element_text(el)
    if not text or len(text) > rules.MAX_CAPTION_CHARS or next(el.iter(*rules.CAPTION_STYLE_TAGS), None) is None:
        return False
    styled = " or ".join(f"ancestor::{tag}" for tag in rules.CAPTION_STYLE_TAGS)
    return not normalize_text("".join(el.xpath(f".//text()[not({styled})]")))


def is_caption(el) -> bool:
    """An image block holding only a caption, or the italic caption line after an image."""
    return _is_caption_holder(el) or _is_styled_caption(el)


def is_link_list(el) -> bool:
    """A block that is mostly links to other pages (see rules.LINK_LIST_TAGS)."""
    if not isinstance(el.tag, str) or el.tag not in rules.LINK_LIST_TAGS:
        return False
    links = [text for a in el.iter("a") if (text := element_text(a))]
    if len(links) < rules.MIN_LIST_LINKS:
        return False
    total = len(element_text(el))
    return total > 0 and sum(len(t) for t in links) >= rules.MIN_LINK_DENSITY * total


def link_list_with_heading(el) -> list:
    """A link list plus the cut heading ("Tin liên quan:") just before it, if any."""
    found = [el]
    previous = el.getprevious()
    if previous is not None and isinstance(previous.tag, str) and is_cut_heading(element_text(previous)):
        found.append(previous)
    return found


def noise_elements(root) -> list:
    """Elements under `root` that are never article text (root itself excluded)."""
    doomed = []
    for tag in rules.REMOVE_TAGS:
        doomed.extend(root.iter(tag))
    for el in root.iter():
        if el is root or not isinstance(el.tag, str):
            continue
        if class_tokens(el) & rules.NOISE_TOKENS or is_caption(el):
            doomed.append(el)
        elif is_link_list(el):
            doomed.extend(link_list_with_heading(el))
    return doomed


def strip_noise(root, *, extra_xpaths=()) -> None:
    """Remove non-article nodes from `root` (modified in place, root itself kept)."""
    doomed = noise_elements(root)
    for xpath in extra_xpaths:
        doomed.extend(root.xpath(xpath))
    doomed.extend(root.iter(etree.Comment))
    for el in doomed:
        if el is not root and el.getparent() is not None:
            _drop(el)


_LINE_BREAK = "\ue000"  # a single <br> while a paragraph is built


def is_own_line(text: str) -> bool:
    """A line that is never part of a sentence (counter, share bar, "Nguồn: …"): split
    off at a single <br> when tree_paragraphs is asked to."""
    return is_boilerplate(text) or as_source(text) is not None


def tree_paragraphs(root, *, skip=frozenset(), split_lines=False) -> list[str]:
    """Paragraph texts of `root` in document order (see module docstring); the elements
    in `skip` are left out with their content (their tail text stays). With
    `split_lines`, a line after a single <br> that :func:`is_own_line` becomes its own
    paragraph ("Nguồn: baokiengiang.vn<br>Số lần đọc: 1390")."""
    paragraphs: list[str] = []
    buffer: list[str] = []
    state = {"pending_br": False}

    def flush() -> None:
        raw = "".join(buffer)
        buffer.clear()
        state["pending_br"] = False
        if split_lines and _LINE_BREAK in raw:
            run: list[str] = []
            for line in map(normalize_text, raw.split(_LINE_BREAK)):
                if line and is_own_line(line):
                    if run:
                        paragraphs.append(" ".join(run))
                        run = []
                    paragraphs.append(line)
                elif line:
                    run.append(line)
            if run:
                paragraphs.append(" ".join(run))
            return
        text = normalize_text(raw.replace(_LINE_BREAK, " "))
        if text:
            paragraphs.append(text)

    def add(text: str | None) -> None:
        if text:
            buffer.append(text)
            if text.strip():
                state["pending_br"] = False

    def walk(el) -> None:
        tag = el.tag.lower() if isinstance(el.tag, str) else ""
        if tag in rules.BREAK_TAGS:
            if state["pending_br"]:
                flush()  # <br><br>: a paragraph break in legacy markup
            else:
                buffer.append(_LINE_BREAK)
                state["pending_br"] = True
            return
        block = tag in rules.BLOCK_TAGS
        if block:
            flush()
        if tag:
            add(el.text)
            for child in el:
                if child not in skip:
                    walk(child)
                add(child.tail)
        if block:
            flush()

    walk(root)
    flush()
    return paragraphs


def _matches(patterns, text: str) -> bool:
    return any(p.search(text) for p in patterns)


def is_cut_heading(text: str) -> bool:
    if len(text) <= rules.MAX_CUT_PREFIX_CHARS and _matches(rules.CUT_AT_PREFIX_PATTERNS, text):
        return True
    return _matches(rules.CUT_AT_PATTERNS, text)


def is_date_line(text: str) -> bool:
    return len(text) <= 60 and bool(rules.DATE_LINE_RE.match(text)) and parse_vn_datetime(text) is not None


def is_boilerplate(text: str) -> bool:
    if rules.AUTHOR_PREFIX_RE.match(text):
        return False  # "Bài, ảnh: Hồng Nhung" is a byline, not a photo credit
    return is_date_line(text) or _matches(rules.BOILERPLATE_PATTERNS, text) or _matches(rules.CAPTION_PATTERNS, text)


def as_source(text: str) -> str | None:
    """The attribution carried by a paragraph ("Nguồn: …", "Theo …"), else None."""
    if len(text) <= 120 and _matches(rules.SOURCE_PATTERNS, text):
        text = text.rstrip("|").strip()
        if text.startswith("(") and text.endswith(")"):
            text = text[1:-1]
        return normalize_text(text)
    return None


def as_author(text: str) -> str | None:
    """The name in a short trailing author line ("Mai Quý", "Bài, ảnh: Mai Quý"), else None."""
    if len(text) > rules.MAX_AUTHOR_CHARS or text.endswith((".", ":", "!", "?", "”", '"')) and not re.search(r"\b[A-ZĐ]\.$", text):
        return None
    name = rules.AUTHOR_PREFIX_RE.sub("", text).strip()
    letters = [c for c in name if c.isalpha()]
    if len(letters) > 5 and all(c.isupper() for c in letters) and len(name.split()) > rules.MAX_CAPS_AUTHOR_WORDS:
        return None  # an ALL-CAPS heading, not a byline ("HOÀNG ANH" is one)
    if rules.AUTHOR_LINE_RE.match(name):
        return name
    # Organisation bylines ("Ban Tổ chức LĐLĐ tỉnh"): mostly capitalised words, no digits.
    words = name.split()
    capitalised = sum(1 for w in words if w[:1].isupper())
    if (1 < len(words) <= rules.MAX_AUTHOR_WORDS and words[0][:1].isupper()
            and capitalised * 2 >= len(words) and not re.search(r"[\d,;:!?]", name)):
        return name
    return None


def clean_paragraphs(paragraphs: list[str], *, drop_texts=(), take_attribution: bool = True):
    """Apply the Vietnamese cleanup rules; return ``(paragraphs, author, source)``.

    `drop_texts` (title, summary) are removed when a paragraph repeats them exactly.
    With `take_attribution`, trailing "Nguồn:"/"Theo" lines become `source` and a
    trailing short name line becomes `author` instead of staying in the body.
    """
    kept: list[str] = []
    drop = {normalize_text(t) for t in drop_texts if t}
    for text in paragraphs:
        if kept and is_cut_heading(text):
            break
        if is_cut_heading(text) or is_boilerplate(text) or text in drop:
            continue
        kept.append(text)
    author = source = None
    if take_attribution:
        # Trailing lines, last first: "... / Mai Quý / Theo D.T - Baonghean.vn".
        for _ in range(3):
            if not kept:
                break
            last = kept[-1]
            if source is None and (found := as_source(last)):
                source = found
            elif author is None and len(kept) > 1 and (found := as_author(last)):
                author = found
            else:
                break
            kept.pop()
    return kept, author, source
