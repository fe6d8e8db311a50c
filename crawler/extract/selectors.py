"""Site-rule extraction: the registry's parsel CSS selectors applied to one page.

A site entry's ``[article]`` table maps record fields to CSS selectors (see
docs/ARCHITECTURE.md). A selector ending in ``::text`` or ``::attr(x)`` yields those
strings; a bare selector means each matched element's full text. Fields whose
selector is missing or matches nothing are simply absent from the result, so the
caller can fall back to generic extraction for them.
"""

from __future__ import annotations

import re
from copy import deepcopy
from urllib.parse import urljoin

from parsel import Selector

from . import blocks, rules
from .dates import parse_vn_datetime
from archive.text import normalize_text

_PSEUDO_RE = re.compile(r"::(?:text|attr\([^)]*\))\s*$")

# Attributes holding a date more precisely than the visible text, in order.
DATE_ATTRIBUTES = ["datetime", "content", "data-time", "title"]
# Attributes holding the real image URL (lazy loaders first), in order.
IMAGE_SRC_ATTRIBUTES = ["data-src", "data-original", "data-lazy-src", "src"]
# Ancestors of an image that hold its caption.
CAPTION_CONTAINER_XPATH = "ancestor::*[self::table or self::figure][1]"
# Text fields taken from the first match; tags/images take every match.
TEXT_FIELDS = ["title", "summary", "author", "source", "category"]


def _has_pseudo(css: str) -> bool:
    return bool(_PSEUDO_RE.search(css))


def _strings(sel: Selector, css: str) -> list[str]:
    """Normalised non-empty strings a selector yields (full text for bare selectors)."""
    try:
        matched = sel.css(css)
    except Exception:  # a malformed selector in a TOML file must not kill the crawl
        return []
    if _has_pseudo(css):
        values = [normalize_text(v) for v in matched.getall()]
    else:
        values = [blocks.element_text(m.root) for m in matched if not isinstance(m.root, str)]
    return [v for v in values if v]


def _elements(sel: Selector, css: str) -> list:
    """lxml elements matched by a selector (a ``::text``/``::attr`` suffix is ignored)."""
    try:
        return [m.root for m in sel.css(_PSEUDO_RE.sub("", css)) if not isinstance(m.root, str)]
    except Exception:
        return []


def _date(sel: Selector, css: str) -> str | None:
    if _has_pseudo(css):
        return parse_vn_datetime(" ".join(_strings(sel, css)))
    for el in _elements(sel, css):
        for attr in DATE_ATTRIBUTES:
            if el.get(attr) and (found := parse_vn_datetime(el.get(attr))):
                return found
        if found := parse_vn_datetime(blocks.element_text(el)):
            return found
    return None


def _images(sel: Selector, css: str, caption_css: str | None, base_url: str) -> list[dict]:
    images, seen = [], set()
    # Captions that stand as the next block after the image's own block (portal layouts).
    sibling_captions = {id(el): el for el in _elements(sel, caption_css)} if caption_css else {}
    if _has_pseudo(css):
        sources = [(value, None) for value in sel.css(css).getall()]
    else:
        sources = []
        for el in _elements(sel, css):
            imgs = [el] if el.tag == "img" else list(el.iter("img"))
            for img in imgs:
                src = next((img.get(a) for a in IMAGE_SRC_ATTRIBUTES if img.get(a)), None)
                sources.append((src, img))
    for src, img in sources:
        src = (src or "").strip()
        if not src or src.startswith("data:"):
            continue
        absolute = urljoin(base_url, src)
        if absolute in seen:
            continue
        seen.add(absolute)
        caption = _caption(img, caption_css) or _sibling_caption(img, sibling_captions)
        images.append({"url": absolute, "caption": caption})
    return images


def _sibling_caption(img, captions_by_id: dict) -> str:
    """``<p><img></p><p class="image-caption">…</p>``: the caption is the block after the image's."""
    if img is None or not captions_by_id:
        return ""
    block = img.getparent()
    while block is not None and block.tag not in rules.BLOCK_TAGS:
        block = block.getparent()
    following = block.getnext() if block is not None else None
    if following is not None and id(following) in captions_by_id:
        return normalize_text(blocks.element_text(following))
    return ""


def _caption(img, caption_css: str | None) -> str:
    """The caption inside the image's table/figure (never the alt text, which MasterCMS
    fills with the title stripped of diacritics)."""
    if img is None:
        return ""
    containers = img.xpath(CAPTION_CONTAINER_XPATH)
    if not containers:
        return ""
    container = Selector(root=containers[0])
    candidates = [caption_css] if caption_css else []
    candidates += ["figcaption", "[class*=caption]", "[class*=Caption]"]
    for css in candidates:
        if texts := _strings(container, css):
            return normalize_text(" ".join(texts))
    if containers[0].tag == "table":
        # Legacy image tables: the caption is the table's own text.
        return blocks.element_text(containers[0])
    return ""


def _inside(el, container) -> bool:
    return any(a is container for a in el.iterancestors())


def _field_line_targets(body_root, sel: Selector, css: str, value: str) -> list:
    """Nodes of the body copy holding an author/source line selected from inside the
    body: the enclosing paragraph when it holds little else, so it is not repeated."""
    targets = []
    for el in _elements(sel, css):
        # Map the element of the original tree to its twin in the body copy by path.
        for twin in body_root.getroottree().xpath(el.getroottree().getpath(el)):
            block = twin
            while block is not None and block is not body_root and block.tag not in rules.BLOCK_TAGS:
                block = block.getparent()
            if block is None or block is body_root:
                block = twin
            leftover = normalize_text(blocks.element_text(block).replace(value, ""))
            if block is not body_root and len(leftover) <= 25:
                targets.append(block)
    return targets


def _body(sel: Selector, rules_: dict, fields: dict) -> tuple[str | None, list[str]]:
    css = rules_.get("body")
    containers = _elements(sel, css) if css else []
    if not containers:
        return None, []
    original = containers[0]
    # Work on a copy of the whole document so XPaths of selected fields still resolve.
    doc_copy = deepcopy(original.getroottree())
    body_root = doc_copy.xpath(original.getroottree().getpath(original))[0]
    # Collect first, drop after: dropping shifts the positional paths of later nodes.
    targets = []
    for field in ("author", "source"):
        field_css = rules_.get(field)
        if field_css and fields.get(field):
            if any(_inside(el, original) for el in _elements(sel, field_css)):
                targets += _field_line_targets(body_root, sel, field_css, fields[field])
    for target in targets:
        if target.getparent() is not None:
            blocks._drop(target)
    removed_css = [c for c in (rules_.get("body_remove") or []) if c]
    body_sel = Selector(root=body_root)
    for remove_css in removed_css:
        for el in _elements(body_sel, remove_css):
            if el is not body_root:
                blocks._drop(el)
    blocks.strip_noise(body_root)
    paragraphs = blocks.tree_paragraphs(body_root)
    paragraphs, _, _ = blocks.clean_paragraphs(
        paragraphs, drop_texts=(fields.get("title"), fields.get("summary")), take_attribution=False)
    drop = {fields.get("author"), fields.get("source")} - {None}
    paragraphs = [p for p in paragraphs if p not in drop]
    return "\n\n".join(paragraphs), paragraphs


def extract_with_site(html: str, url: str, site) -> tuple[dict, dict]:
    """Apply `site.article` selectors to `html`; return ``(partial_record, field_sources)``.

    Only fields the selectors found are present. `url` resolves relative image and
    canonical URLs.
    """
    article_rules = dict(getattr(site, "article", None) or {})
    sel = Selector(text=html)
    fields: dict = {}
    for field in TEXT_FIELDS:
        css = article_rules.get(field)
        if css and (values := _strings(sel, css)):
            value = values[0]
            if field == "author":
                value = rules.AUTHOR_LABEL_RE.sub("", value)
            fields[field] = value
    for field in ("published_at", "updated_at"):
        css = article_rules.get(field)
        if css and (found := _date(sel, css)):
            fields[field] = found
    if css := article_rules.get("tags"):
        tags = []
        for value in _strings(sel, css):
            value = normalize_text(rules.TAGS_LABEL_RE.sub("", value).strip(" ,;"))
            if value and value not in tags:
                tags.append(value)
        if tags:
            fields["tags"] = tags
    if css := article_rules.get("images"):
        if images := _images(sel, css, article_rules.get("image_caption"), url):
            fields["images"] = images
    if css := article_rules.get("canonical"):
        if values := _strings(sel, css):
            fields["url"] = urljoin(url, values[0])
    body, _ = _body(sel, article_rules, fields)
    if body:
        fields["body"] = body
    return fields, {field: "site" for field in fields}
