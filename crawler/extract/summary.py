"""Choose the article's summary (the sapo / lead) on a page of unknown layout.

Candidates, in the order of :data:`SUMMARY_SOURCES`:

1. ``lead``: the lead the page shows — an element of the site-independent lead selectors
   (``.sapo``, ``[itemprop=description]`` …, passed in by the caller) or, failing those,
   the first element outside sidebars whose class/id has a lead word (:data:`LEAD_TOKENS`:
   ``article__sapo``, ``detail-summary``, ``chapeau``);
2. ``jsonld``: the JSON-LD ``description``;
3. ``meta``: ``og:description`` / ``twitter:description`` / ``description``.

A metadata description (2, 3) is kept only when it is not a repeat of the page's text:
CMSes fill it with the first paragraph, whole or cut at ~160 characters, often mid-word.
Text is compared normalised (:func:`words`: NFC, case-folded, punctuation and a trailing
ellipsis ignored); a description found, at a word start, in the visible text of the
page's ``<body>`` is a copy of the body, not a summary — then the summary is the in-page
lead if any, else none. One exception: when the text it repeats is an element set apart
as a lead (:func:`shown_lead`: a classed element or a heading whose whole text it is, as
VnExpress's ``<p class="description">``), that element is the page's lead.

Truncation (chosen rule): a candidate ending in "…" or "..." was cut by the CMS, and its
last word may be cut too ("… đoàn viê…"). Such a candidate is used only when no later
candidate is whole, and is then cut back to its last whole word: the final word before
the ellipsis is dropped (it cannot be told whole from cut) unless punctuation ends it,
and "…" is kept to mark the cut. A summary never ends mid-word.
"""

from __future__ import annotations

import re

from parsel import Selector

from . import blocks
from .headline import decode_entities
from .locate import is_sidebar
from archive.text import normalize_text

SUMMARY_SOURCES = ["lead", "jsonld", "meta"]
# Metadata sources checked against the page text (the in-page lead is the page's own).
CHECKED_SOURCES = frozenset({"jsonld", "meta"})
# class/id tokens of an in-page lead element.
LEAD_TOKENS = frozenset({"sapo", "lead", "summary", "chapeau", "excerpt", "tomtat", "abstract", "standfirst"})
LEAD_TAGS = ("p", "div", "h2", "h3", "strong", "b", "span", "section")
MIN_LEAD_CHARS, MAX_LEAD_CHARS = 30, 1200
# Elements that may show a description as the page's lead, and those that are a lead
# even without a class (headings and bold blocks are not body paragraphs).
SHOWN_LEAD_TAGS = ("p", "div", "h2", "h3", "h4", "h5", "h6", "strong", "b", "em", "span", "section", "header")
LEAD_STYLE_TAGS = frozenset({"h2", "h3", "h4", "h5", "h6", "strong", "b"})
# A trailing truncation mark.
ELLIPSIS_RE = re.compile(r"\s*(?:…|\.\.\.+|\[…\]|\[\.\.\.\])\s*$")
# Characters that end a whole word before an ellipsis.
WORD_END_PUNCTUATION = ".,;:!?)»\"”’"
_WORD_RE = re.compile(r"\w+")


def words(text: str | None) -> str:
    """Normalised comparison form: lower-case words joined by single spaces."""
    return " ".join(_WORD_RE.findall(normalize_text(text).casefold()))


def page_words(root) -> str:
    """The visible text of the page's <body> in comparison form."""
    body = next(root.iter("body"), root)
    parts = body.xpath(".//text()[not(ancestor::script) and not(ancestor::style) and not(ancestor::noscript)"
                       " and not(ancestor::template)]")
    return words(" ".join(parts))


def repeats_page(text: str, page: str) -> bool:
    """`text` (possibly cut mid-word) appears in `page` starting at a word start."""
    needle = words(ELLIPSIS_RE.sub("", text))
    if not needle:
        return False
    start = page.find(needle)
    while start >= 0:
        if start == 0 or page[start - 1] == " ":
            return True
        start = page.find(needle, start + 1)
    return False


def is_truncated(text: str) -> bool:
    return bool(ELLIPSIS_RE.search(text))


def cut_to_whole_words(text: str) -> str:
    """A truncated text cut back to its last whole word, ending in "…"."""
    body = ELLIPSIS_RE.sub("", text).rstrip()
    if body and body[-1] not in WORD_END_PUNCTUATION:
        body = body.rsplit(" ", 1)[0] if " " in body else ""
    body = body.rstrip(" ,;:-–")
    return f"{body}…" if body else ""


def lead_by_class(sel: Selector) -> str | None:
    """The first element outside sidebars whose class/id names it a lead."""
    for el in sel.root.iter(*LEAD_TAGS):
        if not blocks.class_tokens(el) & LEAD_TOKENS or is_sidebar(el):
            continue
        text = blocks.element_text(el)
        if MIN_LEAD_CHARS <= len(text) <= MAX_LEAD_CHARS and not blocks.is_link_list(el):
            return text
    return None


def shown_lead(root, text: str) -> str | None:
    """The text of an element that shows `text` (whole, or `text` cut) and is set apart as
    a lead, not a body paragraph: it has a class/id or is a heading/bold block
    ("<p class='description'>" on VnExpress, "<h2>" sapos); a plain ``<p>`` is body text."""
    needle = words(ELLIPSIS_RE.sub("", text))
    for el in root.iter(*SHOWN_LEAD_TAGS):
        if not (el.get("class") or el.get("id")) and el.tag not in LEAD_STYLE_TAGS:
            continue
        full = blocks.element_text(el)
        if len(full) > MAX_LEAD_CHARS:
            continue
        found = words(full)
        if found == needle or is_truncated(text) and found.startswith(needle):
            return full
    return None


def choose_summary(sel: Selector, title: str | None, *, lead: str | None, jsonld: str | None,
                   meta: str | None) -> str | None:
    """The article's summary (see the module docstring), or None."""
    found = {"lead": lead or lead_by_class(sel), "jsonld": jsonld, "meta": meta}
    page = None
    candidates = []
    for source in SUMMARY_SOURCES:
        text = decode_entities(found[source])
        if not text or text == title:
            continue
        if source in CHECKED_SOURCES:
            if page is None:
                page = page_words(sel.root)
            if repeats_page(text, page):
                # Shown as a lead element: the page's own lead. Else a copy of the body.
                if (lead_text := shown_lead(sel.root, text)) and lead_text != title:
                    candidates.append(lead_text)
                continue
        candidates.append(text)
    for text in candidates:
        if not is_truncated(text):
            return text
    for text in candidates:
        if cut := cut_to_whole_words(text):
            return cut
    return None
