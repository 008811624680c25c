"""One hit per story: group matching articles by their story id and pick one copy of each.

The story ids come from indexing (search/indexing/stories.py) as the `story` column,
read once per searcher (ColumnCache). Everything here works on sets of document
numbers, like the rest of a search (engine/evaluate.py), so collapsing costs one pass
over the matches: grouping 21,000 matches takes a few milliseconds.

Which copy stands for a story:
- "best" (the default): the best-scoring copy (ties: the engine's tie order, newest
  first, then article id);
- "earliest": the first published (undated copies last, then by article id): where the
  story broke.
The story ranks by its best copy's score either way, so asking for the earliest copy
does not push a relevant story down the page.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from itertools import compress, repeat
from operator import eq
from typing import Any

from ..errors import SearchOptionError

COLLAPSE_BY = ("best", "earliest")
COUNT_BY = ("article", "story")
STORY_FIELD = "story"
NO_STORIES = ("this index was built before story clusters, so its articles have no story: "
              "run `news-search reindex --full` to group them into stories")


@dataclass(frozen=True)
class Collapsed:
    """The stories among a set of matches: one representative document each."""

    representatives: set[int]           # one document per story
    members: dict[int, list[int]]       # representative -> its matching copies, when several
    scores: dict[int, float] | None     # the story's best score for each representative


class StoryIndex:
    """Per searcher (a fixed snapshot): each document's story, and the documents that share
    their story with another. Most articles stand alone (Reuters: 20,300 of 21,300 stories
    have one copy), so a search groups only its matches among `shared` (a set
    intersection in C) and passes the rest through: collapsing 20,000 matches then costs
    a fraction of a millisecond instead of a Python pass over all of them."""

    def __init__(self, story_of: list):
        self.story_of = story_of
        counts = Counter(story_of)
        self.shared = frozenset(d for d, s in enumerate(story_of) if s and counts[s] > 1)


def check_options(collapse_by: str, count_by: str | None) -> None:
    if collapse_by not in COLLAPSE_BY:
        raise SearchOptionError(f"collapse_by must be one of {', '.join(COLLAPSE_BY)}, "
                                f"not {collapse_by!r}")
    if count_by is not None and count_by not in COUNT_BY:
        raise SearchOptionError(f"count_by must be one of {', '.join(COUNT_BY)}, not {count_by!r}")


def story_column(columns: Any, schema: Any) -> list:
    """Each document's story id (bytes), or SearchOptionError naming the fix when the
    index has none (built before story clusters)."""
    if STORY_FIELD not in schema:
        raise SearchOptionError(NO_STORIES)
    return columns.column(STORY_FIELD)


def story_copies(stories: list, story_id: str, deleted: Collection[int]) -> list[int]:
    """The live documents whose story is `story_id`: a scan of the story column (the story
    is a column only: indexing/schema.py), in C (compress over a map of eq), ~1 ms
    on Reuters' 21,000 documents."""
    if not story_id:
        return []
    key = story_id.encode("utf-8")
    found = compress(range(len(stories)), map(eq, repeat(key), stories))
    return [d for d in found if d not in deleted]


def group(docs: Iterable[int], stories: list) -> dict[Any, list[int]]:
    """Documents by story id."""
    groups: dict[Any, list[int]] = {}
    for d in docs:
        key = stories[d]
        found = groups.get(key)
        if found is None:
            groups[key] = [d]
        else:
            found.append(d)
    return groups


def collapse(docs: Collection[int], index: StoryIndex, by: str, scores: dict[int, float] | None,
             date_keys: list[int], tie: Callable[[list[int]], Callable[[int], Any]]) -> Collapsed:
    """One representative per story among `docs` (module docstring). `tie` gives the
    engine's tie order for a list of documents (a key function)."""
    matched = docs if isinstance(docs, (set, frozenset)) else set(docs)
    shared = index.shared.intersection(matched)
    reps = set(matched).difference(shared) if shared else set(matched)
    members: dict[int, list[int]] = {}
    for copies in group(shared, index.story_of).values():
        if len(copies) == 1:
            reps.add(copies[0])
            continue
        key = tie(copies)
        if by == "earliest":
            rep = min(copies, key=lambda d: (date_keys[d] < 0, date_keys[d], key(d)))
        elif scores is not None:
            rep = min(copies, key=lambda d: (-scores[d], key(d)))
        else:
            rep = min(copies, key=key)
        reps.add(rep)
        members[rep] = copies
    story_scores = scores
    if scores is not None and by == "earliest" and members:  # the best copy's score ranks it
        story_scores = dict(scores)
        for rep, copies in members.items():
            story_scores[rep] = max(scores[d] for d in copies)
    return Collapsed(reps, members, story_scores)


def count_stories(docs: Collection[int], index: StoryIndex) -> int:
    """How many stories the documents belong to."""
    matched = docs if isinstance(docs, (set, frozenset)) else set(docs)
    shared = index.shared.intersection(matched)
    return len(matched) - len(shared) + len({index.story_of[d] for d in shared})


def sources_of(copies: Iterable[int], source_column: list) -> tuple[str, ...]:
    """The distinct sources of a story's matching copies, sorted."""
    found = set()
    for d in copies:
        value = source_column[d]
        if isinstance(value, bytes):
            value = value.decode("utf-8")
        if value:
            found.add(value)
    return tuple(sorted(found))
