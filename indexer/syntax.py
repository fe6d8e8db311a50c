"""The query language (README, "Searching Vietnamese") → an engine-neutral tree of syllables.

* Unquoted terms are ANDed: ``công đoàn hiến máu`` needs all four syllables, in any order and
  field. A term is a syllable, a ``"quoted phrase"`` (consecutive syllables within one field)
  or a ``(parenthesised group)``. A token such as ``Covid-19`` holds two syllables, ANDed.
* ``A OR B`` unions the two terms beside it and binds tighter than the implicit AND
  (``lương OR thưởng tết`` = (lương OR thưởng) AND tết); ``-A`` and ``NOT A`` exclude.
* A syllable typed with any mark matches only that syllable (tone placement aside); one typed
  in plain ASCII matches every syllable folding to it (:mod:`indexer.syllables`).
* Abbreviations (:mod:`indexer.abbreviations`) match their expansion as a phrase and back:
  ``LĐLĐ`` ≡ (``LĐLĐ`` OR ``"liên đoàn lao động"``); the unquoted expansion ≡ (its syllables
  ANDed OR ``LĐLĐ``), except where a syllable of it is an operand of OR, whose structure a
  rewrite must not change.

``tests/reference_search.py`` is the same contract as a plain scan of the texts; the engines'
tests hold them to it. Nothing here looks at an index: a query means the same on any archive.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Union

from archive.errors import UserError

from indexer.abbreviations import ABBREVIATIONS
from indexer.syllables import fold_syllable, is_plain, iter_syllables, syllable_key

MAX_QUERY_CHARS = 1000
MAX_SYLLABLES = 64
_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028\u2029\ufeff]")
# a quoted phrase (its closing quote may be missing), an opening or closing parenthesis, a word
_LEXEME = re.compile(r'(?P<sign>-?)"(?P<phrase>[^"]*)"?|(?P<open>-?\()|(?P<close>\))|(?P<word>[^\s()"]+)')
_OPERATORS = {"OR": "OR", "||": "OR", "AND": "AND", "&&": "AND", "NOT": "NOT"}


class QueryError(UserError):
    """A query that cannot be run; ``vietnamese`` says the same to a reader of the web page."""

    def __init__(self, message: str, vietnamese: str | None = None):
        super().__init__(message)
        self.vietnamese = vietnamese or message


@dataclass(frozen=True)
class Syllable:
    """One syllable as typed: matched by ``key`` when ``exact``, else by ``folded``."""

    text: str
    key: str
    folded: str
    exact: bool

    @classmethod
    def typed(cls, text: str, exact: bool | None = None) -> "Syllable":
        return cls(text, syllable_key(text), fold_syllable(text), (not is_plain(text)) if exact is None else exact)


@dataclass(frozen=True)
class Phrase:
    """Consecutive syllables within one field (two or more)."""

    syllables: tuple[Syllable, ...]


@dataclass(frozen=True)
class All:
    children: tuple["Node", ...]


@dataclass(frozen=True)
class Either:
    children: tuple["Node", ...]


@dataclass(frozen=True)
class Not:
    child: "Node"


Node = Union[Syllable, Phrase, All, Either, Not]


@dataclass
class Term:
    """A top-level term of the query, with the text that names it in messages."""

    label: str
    node: Node


@dataclass
class ParsedQuery:
    text: str
    terms: list[Term]                                  # ANDed; excluded ones are Not nodes
    runs: list[tuple[Syllable, ...]] = field(default_factory=list)  # typed neighbours, for ranking

    @property
    def root(self) -> All:
        return All(tuple(term.node for term in self.terms))

    @property
    def positive_terms(self) -> list[Term]:
        return [term for term in self.terms if not isinstance(term.node, Not)]

    def syllables(self) -> list[Syllable]:
        """Every syllable the query looks for (excluded ones left out), for highlighting."""
        found: list[Syllable] = []

        def visit(node: Node) -> None:
            if isinstance(node, Syllable):
                found.append(node)
            elif isinstance(node, Phrase):
                found.extend(node.syllables)
            elif isinstance(node, (All, Either)):
                for child in node.children:
                    visit(child)

        for term in self.positive_terms:
            visit(term.node)
        return list(dict.fromkeys(found))


# -- abbreviations --------------------------------------------------------------------------

def _syllables_of(text: str) -> list[str]:
    return [syllable for syllable, _, _ in iter_syllables(unicodedata.normalize("NFC", text))]


@functools.lru_cache(maxsize=1)
def _tables() -> tuple[dict[str, str], list[tuple[tuple[str, ...], tuple[str, ...]]]]:
    """(folded abbreviation → abbreviation, [(expansion's syllables, its abbreviations)] longest first)."""
    by_fold = {fold_syllable(abbreviation): abbreviation for abbreviation in ABBREVIATIONS}
    spelled: dict[tuple[str, ...], list[str]] = {}
    for abbreviation, expansions in ABBREVIATIONS.items():
        for expansion in expansions:
            spelled.setdefault(tuple(_syllables_of(expansion)), []).append(abbreviation)
    expansions = sorted(((key, tuple(value)) for key, value in spelled.items()), key=lambda item: -len(item[0]))
    return by_fold, expansions


def _matches(typed: Syllable, written: str) -> bool:
    return typed.key == syllable_key(written) if typed.exact else typed.folded == fold_syllable(written)


def _sequence(syllables: list[Syllable]) -> Node:
    return syllables[0] if len(syllables) == 1 else Phrase(tuple(syllables))


def _abbreviation_group(typed: Syllable) -> Node:
    abbreviation = _tables()[0][typed.folded]
    expansions = [_sequence([Syllable.typed(s, typed.exact) for s in _syllables_of(expansion)])
                  for expansion in ABBREVIATIONS[abbreviation]]
    return Either((typed, *expansions))


def _spelled_abbreviations(typed: list[Syllable]) -> tuple[str, ...]:
    for expansion, abbreviations in _tables()[1]:
        if len(expansion) == len(typed) and all(map(_matches, typed, expansion)):
            return abbreviations
    return ()


def _abbreviation_options(abbreviations, exact: bool) -> list[Node]:
    return [Syllable.typed(abbreviation, exact) for abbreviation in abbreviations]


# -- parsing --------------------------------------------------------------------------------

@dataclass
class _Item:
    node: Node | str               # a node, or the operator "OR" / "NOT"
    label: str = ""
    negated: bool = False
    single: Syllable | None = None  # a bare unsigned one-syllable word (abbreviation spelling)
    run: tuple[Syllable, ...] = ()  # the syllables typed side by side in an unsigned word


def clean_query(text: str | None) -> str:
    if text is None:
        raise QueryError("empty query", "Hãy nhập từ khóa cần tìm.")
    text = unicodedata.normalize("NFC", str(text))
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"query too long ({len(text)} characters; at most {MAX_QUERY_CHARS})",
                         f"Từ khóa quá dài ({len(text)} ký tự; tối đa {MAX_QUERY_CHARS}).")
    return " ".join(_CONTROL_CHARS.sub(" ", text).split())


def parse(text: str | None) -> ParsedQuery:
    """Parse a user query; raises QueryError (with a Vietnamese message) when nothing is left to search."""
    cleaned = clean_query(text)
    lexemes = list(_LEXEME.finditer(cleaned))
    items, _ = _parse_level(lexemes, 0)
    terms, runs = _combine(items)
    if not terms:
        raise QueryError("the query has no search words: type a word, a \"phrase\" or (a group)",
                         "Từ khóa không có chữ nào để tìm: hãy nhập một từ, một \"cụm từ\" hoặc (một nhóm từ).")
    if all(_only_excludes(term.node) for term in terms):
        raise QueryError("a query cannot only exclude words: add a word to search for",
                         "Không thể chỉ loại trừ: hãy thêm ít nhất một từ cần tìm.")
    count = sum(len(_all_syllables(term.node)) for term in terms)
    if count > MAX_SYLLABLES:
        raise QueryError(f"too many syllables in the query ({count}; at most {MAX_SYLLABLES})",
                         f"Từ khóa có quá nhiều âm tiết ({count}; tối đa {MAX_SYLLABLES}).")
    return ParsedQuery(cleaned, terms, runs)


def _only_excludes(node: Node) -> bool:
    if isinstance(node, Not):
        return True
    return isinstance(node, (All, Either)) and all(map(_only_excludes, node.children))


def _all_syllables(node: Node) -> list[Syllable]:
    if isinstance(node, Syllable):
        return [node]
    if isinstance(node, Phrase):
        return list(node.syllables)
    if isinstance(node, Not):
        return _all_syllables(node.child)
    return [s for child in node.children for s in _all_syllables(child)]


def _parse_level(lexemes: list, position: int) -> tuple[list[_Item], int]:
    items: list[_Item] = []
    while position < len(lexemes):
        lexeme = lexemes[position]
        position += 1
        if lexeme.group("close"):
            break
        if lexeme.group("open"):
            inner, position = _parse_level(lexemes, position)
            terms, _ = _combine(inner)
            if terms:
                node = terms[0].node if len(terms) == 1 else All(tuple(term.node for term in terms))
                label = "(" + " ".join(term.label for term in terms) + ")"
                items.append(_Item(node, label, negated=lexeme.group("open") == "-("))
            continue
        word = lexeme.group("word")
        if word in _OPERATORS:
            if _OPERATORS[word] != "AND":
                items.append(_Item(_OPERATORS[word]))
            continue
        if word is None:
            typed = [Syllable.typed(s) for s in _syllables_of(lexeme.group("phrase"))]
            if not typed:
                continue
            node = _sequence(typed)
            spelled = _spelled_abbreviations(typed)
            if spelled:
                node = Either((node, *_abbreviation_options(spelled, any(s.exact for s in typed))))
            items.append(_Item(node, f'"{" ".join(s.text for s in typed)}"', negated=lexeme.group("sign") == "-"))
            continue
        negated = word.startswith("-")
        typed = [Syllable.typed(s) for s in _syllables_of(word)]
        if not typed:
            continue
        by_fold = _tables()[0]
        nodes = [_abbreviation_group(s) if s.folded in by_fold else s for s in typed]
        node = nodes[0] if len(nodes) == 1 else All(tuple(nodes))
        items.append(_Item(node, " ".join(s.text for s in typed), negated,
                           single=typed[0] if len(typed) == 1 and not negated else None,
                           run=() if negated else tuple(typed)))
    return items, position


def _combine(items: list[_Item]) -> tuple[list[Term], list[tuple[Syllable, ...]]]:
    merged: list[_Item] = []
    for item in items:  # "NOT x" is "-x"
        if merged and merged[-1].node == "NOT" and item.node not in ("NOT", "OR"):
            merged[-1] = _Item(item.node, item.label, not item.negated)
        else:
            merged.append(item)
    items = [item for item in merged if item.node != "NOT"]
    operands = {j for i, item in enumerate(items) if item.node == "OR" for j in (i - 1, i + 1)}
    items = _spell_out(items, operands)
    runs = _runs(items, operands)
    terms: list[Term] = []
    chained = pending_or = False
    for item in items:
        if item.node == "OR":
            pending_or = bool(terms)
            continue
        node = Not(item.node) if item.negated else item.node
        label = ("-" if item.negated else "") + item.label
        if pending_or:
            previous = terms.pop()
            children = (*previous.node.children, node) if chained else (previous.node, node)
            terms.append(Term(f"{previous.label} OR {label}", Either(children)))
        else:
            terms.append(Term(label, node))
        chained, pending_or = pending_or, False
    return terms, runs


def _spell_out(items: list[_Item], operands: set[int]) -> list[_Item]:
    """An unquoted expansion (not an OR operand) ≡ its syllables ANDed OR its abbreviations."""
    result, i = [], 0
    longest = len(_tables()[1][0][0]) if _tables()[1] else 0
    while i < len(items):
        for span in range(min(longest, len(items) - i), 1, -1):
            window = items[i:i + span]
            typed = [item.single for item in window]
            if all(typed) and not operands & set(range(i, i + span)):
                spelled = _spelled_abbreviations(typed)
                if spelled:
                    exact = any(s.exact for s in typed)
                    node = Either((All(tuple(typed)), *_abbreviation_options(spelled, exact)))
                    result.append(_Item(node, " ".join(s.text for s in typed), run=tuple(typed)))
                    i += span
                    break
        else:
            result.append(items[i])
            i += 1
    return result


def _runs(items: list[_Item], operands: set[int]) -> list[tuple[Syllable, ...]]:
    """Maximal sequences of typed neighbours: their adjacency in an article is a ranking signal."""
    runs, current = [], []
    for index, item in enumerate(items):
        if item.run and index not in operands:
            current.extend(item.run)
            continue
        if len(current) > 1:
            runs.append(tuple(current))
        current = []
    if len(current) > 1:
        runs.append(tuple(current))
    return runs
