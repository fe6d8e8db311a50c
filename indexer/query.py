"""Query language → an engine-neutral query tree.

Syntax (what Lucene users expect):

* ``công đoàn cơ sở``  words; documents with *all* words rank first, then those with some;
* ``"người lao động"`` a phrase (consecutive words); ``-word`` / ``-"phrase"`` / ``NOT x`` exclude;
* ``a AND b`` both required; ``a OR b`` either; ``+word`` required.

Words are segmented like documents. A query word typed with diacritics matches its exact
form (ranked higher) and its folded form; a word typed without any diacritics matches the
folded field only, and a run of unaccented syllables is split by longest match against the
index's own folded vocabulary ("cong doan co so" → ``cong_doan co_so``), so it becomes a
cheap word query instead of a syllable phrase. Abbreviations expand both ways.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable, Union

from archive.errors import UserError

from indexer.abbreviations import ABBREVIATIONS
from indexer.text import fold, has_diacritics, nfc, segment

MAX_QUERY_CHARS = 1000
MAX_CLAUSES = 32
MAX_WORD_SYLLABLES = 5  # longest folded word tried by the longest-match splitter


class QueryError(UserError):
    """A query that cannot be understood; the message says what to change."""


@dataclass(frozen=True)
class Word:
    """One segmented word: ``exact`` (as typed, lowercase) is None when typed unaccented."""

    folded: str
    exact: str | None = None


@dataclass(frozen=True)
class Phrase:
    words: tuple[Word, ...]


@dataclass(frozen=True)
class AnyOf:
    """Alternatives for the same meaning (an abbreviation and its expansions)."""

    options: tuple["Node", ...]


Node = Union[Word, Phrase, AnyOf]


@dataclass
class Branch:
    """One side of a top-level OR: ``required`` must all match, ``optional`` rank by coverage."""

    required: list[Node] = field(default_factory=list)
    optional: list[Node] = field(default_factory=list)


@dataclass
class ParsedQuery:
    text: str
    branches: list[Branch]
    excluded: list[Node]

    def words(self) -> tuple[set[str], set[str]]:
        """(exact words, folded words) to highlight, excluded words left out."""
        exact, folded = set(), set()

        def visit(node):
            if isinstance(node, Word):
                folded.add(node.folded)
                if node.exact:
                    exact.add(node.exact)
            elif isinstance(node, Phrase):
                for word in node.words:
                    visit(word)
            else:
                for option in node.options:
                    visit(option)

        for branch in self.branches:
            for node in branch.required + branch.optional:
                visit(node)
        return exact, folded


# -- lexing -------------------------------------------------------------------------------

_LEXEME = re.compile(r'(?P<sign>[-+]?)"(?P<phrase>[^"]*)"|(?P<word>[^\s"]+)|(?P<quote>")')
_OPERATORS = {"AND", "OR", "NOT", "&&", "||"}
_STRIP = re.compile(r"^[^\w]+|[^\w]+$")


def _lex(text: str) -> list[tuple[str, str, str]]:
    """(kind, sign, text) with kind in word|phrase|op. A stray quote is ignored."""
    lexemes = []
    for match in _LEXEME.finditer(text):
        if match.group("quote"):
            continue  # unbalanced quote: treat the rest as plain words
        if match.group("phrase") is not None:
            lexemes.append(("phrase", match.group("sign"), match.group("phrase")))
            continue
        word = match.group("word")
        if word in _OPERATORS:
            lexemes.append(("op", "", {"&&": "AND", "||": "OR"}.get(word, word)))
            continue
        sign = word[0] if word[0] in "+-" else ""
        body = _STRIP.sub("", word[len(sign):])
        if not body:
            continue
        if not sign and lexemes and lexemes[-1][0] == "word" and not lexemes[-1][1]:
            # consecutive plain words form one chunk: segmentation needs the whole run
            lexemes[-1] = ("word", "", f"{lexemes[-1][2]} {body}")
        else:
            lexemes.append(("word", sign, body))
    return lexemes


# -- segmentation of query text -----------------------------------------------------------

Vocabulary = Callable[[str], bool]  # folded word → present in the index?


def _split_unaccented(syllables: list[str], in_vocabulary: Vocabulary) -> list[Word]:
    """Longest match of folded syllable runs against the index vocabulary."""
    words, i = [], 0
    while i < len(syllables):
        for j in range(min(len(syllables), i + MAX_WORD_SYLLABLES), i, -1):
            candidate = "_".join(fold(s) for s in syllables[i:j])
            if j == i + 1 or in_vocabulary(candidate):
                words.append(Word(folded=candidate))
                i = j
                break
    return words


def _segment_chunk(text: str, in_vocabulary: Vocabulary, exact_vocabulary: Vocabulary) -> list[Word]:
    """Words of a query chunk, segmented like documents when typed with diacritics."""
    syllables = text.split()
    if not has_diacritics(text):
        return _split_unaccented(syllables, in_vocabulary)
    words = [Word(folded=fold(w), exact=w) for w, _, _ in segment(text)]
    if all(exact_vocabulary(word.exact) for word in words):
        return words
    # underthesea split differently from the documents, or the query mixes accented and
    # unaccented syllables ("cong đoàn"): fall back to the index's own vocabulary.
    words = []
    for word in _split_unaccented(syllables, in_vocabulary):
        count = word.folded.count("_") + 1
        typed = "_".join(s.lower() for s in syllables[:count])
        syllables = syllables[count:]
        accented = all(has_diacritics(s) or fold(s) == s.lower() for s in typed.split("_"))
        exact = typed if has_diacritics(typed) and accented and exact_vocabulary(typed) else None
        words.append(Word(folded=word.folded, exact=exact))
    return words


@lru_cache(maxsize=1)
def _expansion_table() -> list[tuple[tuple[str, ...], str]]:
    """(folded words of an expansion, abbreviation), longest expansions first."""
    table = []
    for abbreviation, expansions in ABBREVIATIONS.items():
        for expansion in expansions:
            folded = tuple(fold(w) for w, _, _ in segment(expansion))
            table.append((folded, abbreviation))
            syllables = tuple(fold(s) for s in re.sub(r"[^\w\s]", " ", expansion).split())
            table.append((syllables, abbreviation))  # unaccented queries split by syllable
    return sorted(set(table), key=lambda item: -len(item[0]))


def _abbreviation_node(abbreviation: str) -> Node:
    options: list[Node] = [Word(folded=fold(abbreviation), exact=abbreviation.lower())]
    for expansion in ABBREVIATIONS[abbreviation]:
        words = tuple(Word(folded=fold(w), exact=w) for w, _, _ in segment(expansion))
        options.append(words[0] if len(words) == 1 else Phrase(words))
    return AnyOf(tuple(dict.fromkeys(options)))


_ABBREVIATION_BY_FOLD = {fold(key): key for key in ABBREVIATIONS}


def _apply_abbreviations(words: list[Word]) -> list[Node]:
    """Replace abbreviations and spelled-out forms by "either" nodes."""
    nodes: list[Node] = []
    i = 0
    folded = [w.folded for w in words]
    while i < len(words):
        abbreviation = _ABBREVIATION_BY_FOLD.get(folded[i])
        if abbreviation:
            nodes.append(_abbreviation_node(abbreviation))
            i += 1
            continue
        for expansion, abbreviation in _expansion_table():
            span = len(expansion)
            if tuple(folded[i:i + span]) == expansion:
                spelled = words[i] if span == 1 else Phrase(tuple(words[i:i + span]))
                nodes.append(AnyOf((spelled,
                                    Word(folded=fold(abbreviation), exact=abbreviation.lower()))))
                i += span
                break
        else:
            nodes.append(words[i])
            i += 1
    return nodes


# -- parsing ------------------------------------------------------------------------------

def clean_query(text: str) -> str:
    if text is None:
        raise QueryError("empty query")
    text = nfc(str(text))
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"query too long ({len(text)} characters; at most {MAX_QUERY_CHARS})")
    return " ".join(text.split())


def parse(text: str, in_vocabulary: Vocabulary, exact_vocabulary: Vocabulary) -> ParsedQuery:
    """Parse a user query; raises QueryError when nothing searchable is left."""
    cleaned = clean_query(text)
    branches, excluded = [Branch()], []
    pending_and = negate_next = False
    previous: tuple[Branch, Node, bool] | None = None  # last optional node, for "a AND b"
    for kind, sign, value in _lex(cleaned):
        if kind == "op":
            if value == "OR":
                if branches[-1].required or branches[-1].optional:
                    branches.append(Branch())
                previous = None
            elif value == "AND":
                pending_and = previous is not None
            else:
                negate_next = True
            continue
        if kind == "phrase":
            words = _segment_chunk(value, in_vocabulary, exact_vocabulary) if value.strip() else []
            nodes: list[Node] = [Phrase(tuple(words))] if len(words) > 1 else list(words)
        else:
            nodes = _apply_abbreviations(_segment_chunk(value, in_vocabulary, exact_vocabulary))
        if not nodes:
            continue
        if sign == "-" or negate_next:
            excluded.extend(nodes)
        elif sign == "+":
            branches[-1].required.extend(nodes)
            previous = (branches[-1], nodes[-1], False)
        elif pending_and:
            # "a b AND c d": AND binds its neighbours, b and c, as in Lucene
            if previous and previous[2]:
                branch, node, _ = previous
                branch.optional.remove(node)
                branch.required.append(node)
            branches[-1].required.append(nodes[0])
            branches[-1].optional.extend(nodes[1:])
            previous = (branches[-1], nodes[-1], len(nodes) > 1)
        else:
            branches[-1].optional.extend(nodes)
            previous = (branches[-1], nodes[-1], True)
        negate_next = pending_and = False
    branches = [b for b in branches if b.required or b.optional]
    if not branches:
        raise QueryError("the query has no search words" if not excluded
                         else "a query cannot only exclude words: add a word to search for")
    if sum(len(b.required) + len(b.optional) for b in branches) + len(excluded) > MAX_CLAUSES:
        raise QueryError(f"too many words in the query (at most {MAX_CLAUSES})")
    return ParsedQuery(cleaned, branches, excluded)
