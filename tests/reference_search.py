"""The search contract (README, "Searching Vietnamese") as a plain scan of the texts.

No index, no segmentation, no code shared with ``indexer`` but the abbreviation table (data):
the engines must return exactly the set this returns. Kept short so that it can be read
against the README line by line.
"""
from __future__ import annotations

import re
import unicodedata

from indexer.abbreviations import ABBREVIATIONS

SYLLABLE = re.compile(r"[^\W_](?:[^\W_]|[\u0300-\u036f])*")
TONES = "\u0300\u0301\u0303\u0309\u0323"
LEXEME = re.compile(r'(-?)"([^"]*)"?|(-?\()|(\))|([^\s()"]+)')


def syllables(text):                          # 1. unit: runs of letters and digits, NFC
    return SYLLABLE.findall(unicodedata.normalize("NFC", text or ""))


def key(syllable):                            # 4. same letters and tone, wherever the mark sits
    letters = unicodedata.normalize("NFD", syllable.lower())
    tones = [c for c in letters if c in TONES]
    return unicodedata.normalize("NFC", "".join(c for c in letters if c not in TONES)), tones[-1:]


def fold(syllable):
    letters = unicodedata.normalize("NFD", syllable.lower())
    return "".join(c for c in letters if not unicodedata.combining(c)).replace("đ", "d")


def same(typed, exact, written):              # exact: typed with a mark (or spelled so by the table)
    return key(typed) == key(written) if exact else fold(typed) == fold(written)


def term(typed_syllables, exact=None):        # a run of syllables as ("phrase", [(syllable, exact)])
    return ("phrase", [(s, (not s.isascii()) if exact is None else exact) for s in typed_syllables])


def abbreviation_group(typed):                # 5. LĐLĐ ≡ (LĐLĐ OR "liên đoàn lao động")
    exact = not typed.isascii()
    return ("or", [term([typed]), *(term(syllables(e), exact) for e in ABBREVIATIONS[by_fold[fold(typed)]])])


by_fold = {fold(abbreviation): abbreviation for abbreviation in ABBREVIATIONS}
spelled_as = {}                               # the syllables of an expansion → its abbreviations
for abbreviation, spelled_out in ABBREVIATIONS.items():
    for expansion in spelled_out:
        spelled_as.setdefault(tuple(syllables(expansion)), []).append(abbreviation)
expansions = sorted(spelled_as.items(), key=lambda item: -len(item[0]))


def abbreviation_terms(abbreviations, exact):
    return [term([abbreviation], exact) for abbreviation in abbreviations]


def parse(text):
    """→ a node: ("phrase", [(syllable, exact)]) | ("and"|"or", [nodes]) | ("not", node)."""
    return parse_level(list(LEXEME.finditer(unicodedata.normalize("NFC", text))))[0]


def parse_level(lexemes):
    items = []                # [node or "OR"/"NOT", negated, the typed syllable of a bare one-syllable word]
    while lexemes:
        lexeme = lexemes.pop(0)
        quote_sign, phrase, opening, closing, word = lexeme.groups()
        if closing:
            break
        if opening:
            inner, lexemes = parse_level(lexemes)
            inner = inner[1][0] if inner and len(inner[1]) == 1 else inner   # (x) is x
            items.append([inner, opening == "-(", None] if inner else ["AND", False, None])
        elif word in ("OR", "||", "NOT", "AND", "&&"):
            items.append([{"||": "OR", "&&": "AND"}.get(word, word), False, None])
        elif word is None:                    # a quoted phrase (a missing closing quote ends it)
            found = syllables(phrase)
            spelled = [a for e, a in expansions if len(e) == len(found) and all(map(same, found, [not t.isascii() for t in found], e))]
            exact = not all(map(str.isascii, found))
            node = ("or", [term(found), *abbreviation_terms(spelled[0], exact)]) if spelled else term(found)
            items.append([node, quote_sign == "-", None] if found else ["AND", False, None])
        else:
            negated, found = word.startswith("-"), syllables(word)
            nodes = [abbreviation_group(s) if fold(s) in by_fold else term([s]) for s in found]
            node = nodes[0] if len(nodes) == 1 else ("and", nodes)
            typed = found[0] if len(found) == 1 and not negated else None
            items.append([node, negated, typed] if nodes else ["AND", False, None])
    return combine(items), lexemes


def combine(items):
    merged = []                               # "NOT x" is "-x"; AND is what a space means
    for item in items:
        if item[0] == "AND":
            continue
        if merged and merged[-1][0] == "NOT" and item[0] not in ("NOT", "OR"):
            merged[-1] = [item[0], not item[1], None]
        else:
            merged.append(item)
    items = [item for item in merged if item[0] != "NOT"]
    operands = {j for i, item in enumerate(items) if item[0] == "OR" for j in (i - 1, i + 1)}
    terms, chained, pending_or = [], False, False
    for item in spell_out_expansions(items, operands):
        if item[0] == "OR":                   # 2. OR binds tighter than the implicit AND
            pending_or = bool(terms)
            continue
        node = ("not", item[0]) if item[1] else item[0]
        if pending_or:
            previous = terms.pop()
            terms.append(("or", [*previous[1], node]) if chained else ("or", [previous, node]))
        else:
            terms.append(node)
        chained, pending_or = pending_or, False
    return ("and", terms) if terms else None


def spell_out_expansions(items, operands):
    """5, the other way: unquoted "liên đoàn lao động" ≡ (its syllables ANDed OR LĐLĐ)."""
    result, i = [], 0
    while i < len(items):
        for expansion, abbreviation in expansions:  # longest first
            span = items[i:i + len(expansion)]
            typed = [item[2] for item in span]
            if (len(span) == len(expansion) and all(typed) and not operands & set(range(i, i + len(span)))
                    and all(same(t, not t.isascii(), e) for t, e in zip(typed, expansion))):
                exact = any(not t.isascii() for t in typed)
                result.append([("or", [("and", [term([t]) for t in typed]), *abbreviation_terms(abbreviation, exact)]),
                               False, None])
                i += len(expansion)
                break
        else:
            result.append(items[i])
            i += 1
    return result


def matches(node, fields):
    kind, value = node
    if kind == "and":
        return all(matches(child, fields) for child in value)
    if kind == "or":
        return any(matches(child, fields) for child in value)
    if kind == "not":
        return not matches(value, fields)
    n = len(value)                            # 3. consecutive syllables within one field
    return any(all(same(t, exact, w) for (t, exact), w in zip(value, words[i:i + n]))
               for words in fields for i in range(len(words) - n + 1))


def only_excludes(node):
    return node[0] == "not" or (node[0] in ("and", "or") and all(map(only_excludes, node[1])))


def reference_ids(query, articles):
    """The ids of the articles (dicts with id, title, summary, body) the query matches."""
    node = parse(query)
    if node is None or all(map(only_excludes, node[1])):
        return None                           # 7. nothing to search for: an error, not a result
    texts = {a["id"]: [syllables(a.get(f)) for f in ("title", "summary", "body")] for a in articles}
    return {article_id for article_id, fields in texts.items() if matches(node, fields)}
