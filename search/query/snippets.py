"""The best passages of an article's body, with the matched words marked.

Marks are `[[word]]` in the text we return (plain and JSON output); the CLI
turns them bold on a terminal and `snippet_html` turns them into `<mark>` after
HTML-escaping the text.

Why not `whoosh.highlight.highlight`: it runs the whole analyzer chain
(tokenizer, lower-case, fold, stop, stem: five generators and a Token object per
word) over every hit's entire body, 3-7 ms per page of 10 on Reuters. Here a body
is tokenised with one pass of the same regular expression, and each distinct
word is analysed once per process (`_learn_forms`, cached), through the index's own
analyzer so a word is marked exactly when the index would match it. Choosing
passages (`_fragments`) is Whoosh's `ContextFragmenter` algorithm, kept step for
step so that snippets read as before; it looks at every token (not only up to
character 32,768, where Whoosh's default gives up: ../shared/whoosh-notes.md).
Two changes to Whoosh's behaviour, both deliberate:
- passages that touch or nearly touch are merged into one rather than joined by
  an ellipsis in mid-sentence;
- among equally good passages the earlier one wins (Whoosh broke such ties by
  the objects' memory addresses, so the same query could show different text).
"""
from __future__ import annotations

import re
from bisect import bisect_left
from collections import deque
from collections.abc import Collection
from dataclasses import dataclass
from itertools import accumulate

from ..engine.analysis import news_analyzer, query_forms, words_pattern

OPEN, CLOSE = "[[", "]]"
SEPARATOR = " … "
MAX_CHARS = 220
SURROUND = 60
MERGE_GAP = 30  # fragments closer than this are shown as one passage
MAX_CACHED_FORMS = 400_000  # distinct words; ~60 MB at worst, then the cache starts over
_MARKED = re.compile(r"\[\[(.*?)\]\]", re.S)
_FORMS: dict[str, str] = {}


def _tokenizer_pattern() -> re.Pattern[str]:
    """The index tokenizer's own expression, so both split text identically."""
    return news_analyzer().items[0].expression


_TOKEN = _tokenizer_pattern()
_SPLIT = words_pattern(_TOKEN)


def _forms_of(words: list[str]) -> list[str]:
    """Each word's analysed form, from the cache or learnt now."""
    forms = list(map(_FORMS.get, words))
    if None in forms:  # words this process has not analysed yet
        learnt = _learn_forms([w for w, f in zip(words, forms) if f is None])
        forms = [f if f is not None else learnt[w] for f, w in zip(forms, words)]
    return forms


def _learn_forms(words: list[str]) -> dict[str, str]:
    """Analyse words as the index's analyzer does in query mode, remembering them in
    `_FORMS`. Stop words stay (unstemmed), as when Whoosh highlights; "\x00" marks a
    word that yields no term (never a query term)."""
    new = list(dict.fromkeys(words))
    learnt = {w: f or "\x00" for w, f in zip(new, query_forms(new))}
    if len(_FORMS) + len(learnt) > MAX_CACHED_FORMS:
        _FORMS.clear()
    _FORMS.update(learnt)
    return learnt


@dataclass
class _Fragment:
    start: int
    end: int
    matches: list[tuple[int, int]]   # (startchar, endchar) of marked words
    score: float


def _fragments(starts: list[int], ends: list[int], forms: list[str], matches: list[int],
               termset: Collection[str], text_len: int) -> list[_Fragment]:
    """Whoosh's ContextFragmenter (maxchars=MAX_CHARS, surround=SURROUND, no char limit).

    `matches` are the indexes of matched tokens. Outside a fragment the only state
    is the queue of recent token starts within SURROUND characters, so runs of
    unmatched tokens are skipped in one step (same result, without visiting them).
    """
    out: list[_Fragment] = []
    first: int | None = None
    firsts: deque[int] = deque()
    countdown = -1
    tks: list[int] = []  # token indexes of the current fragment's matches
    currentlen = 0
    endchar = 0
    n = len(forms)
    next_match = 0  # index into `matches`

    def emit(end: int) -> None:
        start = first if first is not None else (starts[tks[0]] if tks else 0)
        # BasicFragmentScorer: every token's boost is 1, times 100 per distinct term.
        distinct = len({forms[i] for i in tks})
        out.append(_Fragment(max(0, start), min(text_len, end),
                             [(starts[i], ends[i]) for i in tks],
                             len(tks) * ((distinct * 100) or 1)))

    i = 0
    while i < n:
        is_match = forms[i] in termset
        if countdown < 0 and not is_match:
            while next_match < len(matches) and matches[next_match] < i:
                next_match += 1
            if next_match == len(matches):
                break  # nothing left to mark: no fragment can start
            m = matches[next_match]
            # The queue as it would be after tokens i..m-1: starts within SURROUND of ends[m-1].
            limit = ends[m - 1] - SURROUND
            while firsts and firsts[0] < limit:
                firsts.popleft()
            firsts.extend(starts[bisect_left(starts, limit, i, m):m])
            i = m
            continue
        startchar = starts[i]
        endchar = ends[i]
        tlength = endchar - startchar
        if currentlen + tlength > MAX_CHARS:
            countdown = 0
        elif is_match:
            countdown = SURROUND
            if first is None:
                if firsts:
                    first = firsts[0]
                else:
                    first = startchar
                    countdown += SURROUND
            tks.append(i)
        currentlen += tlength
        countdown -= tlength
        if countdown <= 0:
            emit(endchar)
            tks = []
            firsts = deque()
            first = None
            currentlen = 0
        i += 1
    if tks:
        emit(endchar)
    return out


def _best(fragments: list[_Fragment], top: int) -> list[_Fragment]:
    """The `top` best-scored fragments (earlier first on ties), in text order, touching ones merged."""
    ranked = sorted((f for f in fragments if f.score >= 1), key=lambda f: (-f.score, f.start))[:top]
    merged: list[_Fragment] = []
    for f in sorted(ranked, key=lambda f: f.start):
        prev = merged[-1] if merged else None
        if prev is not None and f.start <= prev.end + MERGE_GAP:
            spans = {s: (s, e) for s, e in prev.matches + f.matches}  # overlaps: once
            merged[-1] = _Fragment(prev.start, max(prev.end, f.end),
                                   [spans[k] for k in sorted(spans)], prev.score)
        else:
            merged.append(f)
    return merged


def _unmarked(text: str) -> str:
    """Text with any literal mark brackets broken up, so that only our marks read as marks
    (a body quoting wiki markup "[[...]]" would otherwise be bolded or turned into <mark>)."""
    if OPEN in text or CLOSE in text:
        text = text.replace(OPEN, "[ [").replace(CLOSE, "] ]")
    return text


def _render(text: str, fragment: _Fragment) -> str:
    out = []
    index = fragment.start
    for s, e in fragment.matches:
        if s < index:
            continue
        if s > index:
            out.append(_unmarked(text[index:s]))
        out.append(f"{OPEN}{_unmarked(text[s:e])}{CLOSE}")
        index = e
    out.append(_unmarked(text[index:fragment.end]))
    return "".join(out)


def _lead(text: str, limit: int = MAX_CHARS) -> str:
    """The opening of the body, cut at a word boundary, when no word matched in it."""
    text = _unmarked(" ".join(text.split()))
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[:cut if cut > 0 else limit] + "…"


def make_snippet(body: str, terms: Collection[str], top: int = 2) -> str:
    """Up to `top` passages of `body` containing `terms` (analyzed forms), marked."""
    if not body:
        return ""
    if terms:
        termset = terms if isinstance(terms, (set, frozenset)) else frozenset(terms)
        # One C-level pass: [gap, word, gap, word, ..., gap] and the running offsets.
        parts = _SPLIT.split(body)
        offsets = list(accumulate(map(len, parts)))
        words = parts[1::2]
        forms = _forms_of(words)
        if not termset.isdisjoint(forms):
            matches = [i for i, f in enumerate(forms) if f in termset]
            fragments = _fragments(offsets[0::2], offsets[1::2], forms, matches, termset, len(body))
            marked = SEPARATOR.join(_render(body, f) for f in _best(fragments, top))
            if marked:
                return " ".join(marked.split())
    return _lead(body)


def snippet_terms(snippet: str) -> list[str]:
    """The marked words of a snippet, in order."""
    return _MARKED.findall(snippet)


def snippet_html(snippet: str) -> str:
    """The snippet as HTML: text escaped, marks as <mark>. (html loads its entity table,
    ~1-2 ms: only the web page needs it, not a cold `news-search query`.)"""
    import html

    return _MARKED.sub(lambda m: f"<mark>{m.group(1)}</mark>", html.escape(snippet, quote=False))


def snippet_styled(snippet: str, style) -> str:
    """The snippet with marks rendered by `style(word) -> str` (e.g. bold on a terminal)."""
    return _MARKED.sub(lambda m: style(m.group(1)), snippet)
