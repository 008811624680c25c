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

from collections.abc import Callable, Iterable
from dataclasses import dataclass
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

    representatives: list[int]          # one document per story
    members: dict[int, list[int]]       # representative -> every matching copy (itself too)
    scores: dict[int, float] | None     # representative -> the story's best score


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


def group(docs: Iterable[int], stories: list) -> dict[Any, list[int]]:
    """Matching documents by story id. A document without one (none should have it in an
    index with stories) is a story of its own."""
    groups: dict[Any, list[int]] = {}
    for d in docs:
        key = stories[d] or ("doc", d)
        found = groups.get(key)
        if found is None:
            groups[key] = [d]
        else:
            found.append(d)
    return groups


def collapse(docs: Iterable[int], stories: list, by: str, scores: dict[int, float] | None,
             date_keys: list[int], tie: Callable[[list[int]], Callable[[int], Any]]) -> Collapsed:
    """One representative per story among `docs` (module docstring). `tie` is the engine's
    tie order (`QueryEngine._ties`-like: a key function for a list of documents)."""
    reps: list[int] = []
    members: dict[int, list[int]] = {}
    story_scores: dict[int, float] | None = {} if scores is not None else None
    for copies in group(docs, stories).values():
        if len(copies) == 1:
            rep = copies[0]
        elif by == "earliest":
            key = tie(copies)
            rep = min(copies, key=lambda d: (date_keys[d] < 0, date_keys[d], key(d)))
        elif scores is not None:
            key = tie(copies)
            rep = min(copies, key=lambda d: (-scores[d], key(d)))
        else:
            key = tie(copies)
            rep = min(copies, key=key)
        reps.append(rep)
        members[rep] = copies
        if story_scores is not None and scores is not None:
            story_scores[rep] = max(scores[d] for d in copies)
    return Collapsed(reps, members, story_scores)


def count_stories(docs: Iterable[int], stories: list) -> int:
    """How many stories the documents belong to."""
    return len({stories[d] or ("doc", d) for d in docs})


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
