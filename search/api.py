"""`NewsIndex`: the Python API that the command line is a thin layer over.

    from search.api import NewsIndex
    with NewsIndex.open("index") as ix:
        res = ix.search('"red lines" AND (Putin OR Kremlin)', sources=["rferl"],
                        since="2021-09-01", facets=["source", "published:month"])
        for hit in res.hits: print(hit.headline, hit.snippet)

Why it is shaped like this:
- One Whoosh searcher is reused across calls: opening one costs ~9 ms on Reuters
  and ~50 ms on a 15k-article Arabic index. Before each call we check, cheaply,
  whether the index changed: a `reindex --full` swaps generations by rewriting
  news-search.json (we stat it), an incremental update makes `up_to_date()`
  false. Either way a fresh searcher replaces the old one, which is closed.
- One lock serialises calls. Whoosh does not promise that a searcher is safe
  for concurrent use, and with the GIL a search is CPU-bound Python, so parallel
  threads would gain little; processes scale instead (each opens its own index).
- Nothing from Whoosh leaks: failures are wrapped into search.errors classes.
- A search is one evaluation of the query by set algebra over whole postings
  (engine/evaluate.py): every match with its BM25 score, from which come the
  exact total, the facets and the page in any order. Whoosh alone counted by
  re-running the query, its count under a top-N collector was wrong on
  multi-segment indexes, and its top N dropped documents of AND queries.
"""
from __future__ import annotations

import os
import threading
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Literal, get_args

from .engine.lean import load_whoosh

load_whoosh()  # before the imports below load Whoosh: ~30 ms less per cold query (engine/lean.py)

from .article import Article
from .errors import ArticleNotFoundError, NewsSearchError, QueryError, SearchFailedError, SearchOptionError
from .indexing.fields import CONTENT_FIELDS
from .indexing.schema import article_from_stored, keyword_value
from .indexing.store import META_FILE, GenerationWatch, IndexHandle, create_index, open_index, read_meta
from .library import IndexWriting
from .query.cache import SearcherCache
from .query.dates import parse_bound, utc_now
from .query.facets import FacetSpec, count_facet
from .query.lexer import tokenize
from .query.limits import DEFAULT_LIMITS, QueryLimits, excerpt
from .query.parser import Expansion, ParsedQuery, parse_query
from .query.periods import date_range
from .query.questions import DEFAULT_MATCH, MATCH_MODES, is_question, word_units
from .query.snippets import make_snippet
from .query.suggest import Vocabulary, suggest_query
from .query.variants import VariantsLoader
from .results import FacetValue, Hit, SearchResults, utc_aware

if TYPE_CHECKING:
    # Imported where used: stories and timelines are six dataclasses and ~6 ms of every
    # cold `news-search query` (a dataclass costs ~1 ms to create), which uses neither.
    # `from search import Story, Timeline` gives the types.
    from .query.collapse import StoryIndex
    from .query.story import Story
    from .query.timeline import Timeline

# The values a type checker accepts for `match` and `sort`; the tuples below are what the
# API checks at run time (SearchOptionError), so a wrong literal fails either way.
Match = Literal["words", "all", "any"]
Sort = Literal["relevance", "newest", "oldest"]
SORTS: tuple[str, ...] = get_args(Sort)
assert set(get_args(Match)) == set(MATCH_MODES), "Match must list query/questions.py's modes"
MAX_LIMIT = 1000
MAX_EXPANSIONS = DEFAULT_LIMITS.max_expansions  # (query/limits.py holds every query limit)
SIMILAR_TERMS = 12
_UNDATED = float("inf")  # sorts after every date


def count_option(name: str, value: Any, high: int | None = None) -> int:
    """A page size or page number as a whole number from 1 to `high`: an int, or the
    digits of one (as a command line or an HTTP request gives it); SearchOptionError
    otherwise."""
    given = value
    text = value.strip() if isinstance(value, str) else None
    if text is not None and text.isascii() and text.isdigit() and len(text) <= 18:
        value = int(text)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1 \
            and (high is None or value <= high):
        return value
    shown = f"'{excerpt(given)}'" if isinstance(given, str) else excerpt(repr(given))
    what = f"from 1 to {high:,}" if high else "of 1 or more"
    raise SearchOptionError(f"{name} must be a whole number {what}, not {shown}")


@contextmanager
def _documented_errors(action: str) -> Iterator[None]:
    """Let only NewsSearchError subclasses out of the API: anything else (a bug, a
    RecursionError, a Whoosh error) becomes SearchFailedError, the original kept as
    __cause__ for `--debug`."""
    try:
        yield
    except NewsSearchError:
        raise
    except Exception as exc:  # noqa: BLE001 - the API's error contract
        raise SearchFailedError(f"{action} failed: {type(exc).__name__}: {exc}") from exc


def _as_list(values: str | Iterable[str] | None) -> list[str]:
    if values is None:
        return []
    if isinstance(values, str):
        return [values]
    return [v for v in values if v]


class NewsIndex(IndexWriting):
    """One index directory and everything done with it: search (here), indexing from files
    or from memory, stats and alerts (search/library.py). Open with
    `NewsIndex.open(dir)`; close it (or use `with`) to free the searcher's files."""

    def __init__(self, handle: IndexHandle | None, *,
                 clock: Callable[[], datetime] | None = None,
                 limits: QueryLimits = DEFAULT_LIMITS,
                 index_dir: str | os.PathLike[str] | None = None):
        self._handle = handle  # None until the first search when opened with check=False
        self._dir = handle.index_dir if handle is not None else Path(index_dir or "")
        self.limits = limits  # how much one query may ask (query/limits.py)
        self._vocabulary: tuple[Any, Vocabulary] | None = None  # (searcher, its words)
        self._story_index: tuple[Any, StoryIndex] | None = None  # (searcher, its stories)
        self._lock = threading.RLock()
        self._searcher: Any = None
        self._cache: SearcherCache | None = None
        self._generations = GenerationWatch(self._dir)  # a `reindex --full` switch
        self._variants = VariantsLoader(self._dir)
        self.clock = clock or utc_now  # naive UTC "now", for relative dates
        self._closed = False

    # -- lifecycle
    @classmethod
    def open(cls, index_dir: str | os.PathLike[str], *, create: bool = False,
             check: bool = True, wait: float = 0.0, **kw: Any) -> "NewsIndex":
        """The index at `index_dir`; IndexNotFoundError if there is none, unless `create`,
        which makes an empty one (under the writer lock: IndexLockedError after `wait`).

        `check=False` defers opening the index to the first search, so that a program
        can still rebuild one it cannot search (`reindex(full=True)` on an index of
        another schema version or a damaged one, as `news-search reindex --full` does);
        otherwise SchemaVersionError / IndexDamagedError are raised here."""
        if create and not (Path(index_dir) / META_FILE).exists():
            from .indexing.lock import WriterLock

            try:
                with WriterLock(index_dir, wait):
                    if not (Path(index_dir) / META_FILE).exists():
                        create_index(index_dir)
            except OSError as exc:  # the same one line as any writer's disk fault
                from .errors import StorageError, describe_os_error

                raise StorageError(describe_os_error(
                    exc, f"cannot create an index at {index_dir}")) from None
        if not check:
            read_meta(index_dir)  # no index at all is still an error now
            return cls(None, index_dir=index_dir, **kw)
        return cls(open_index(index_dir), **kw)

    @classmethod
    def create(cls, index_dir: str | os.PathLike[str], **kw: Any) -> "NewsIndex":
        """`NewsIndex.open(index_dir, create=True)`, the name older programs use."""
        return cls.open(index_dir, create=True, **kw)

    @property
    def index_dir(self) -> Path:
        """The index directory this handle owns (everything it writes lives there)."""
        return self._dir

    def close(self) -> None:
        """Close the searcher: it holds the segment files open, so a long-lived program
        that drops a handle without closing it keeps old generations' disk space."""
        with self._lock:
            if self._searcher is not None:
                self._searcher.close()
            self._searcher = None
            self._cache = None
            self._closed = True

    def __enter__(self) -> "NewsIndex":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def drop_caches(self) -> None:
        """Free the postings, phrase and filter documents kept from earlier searches.

        They are bounded (search/engine/evaluate.py) and die with the searcher when the
        index changes; this is for a long-lived process that wants the memory back,
        and for benchmarks that time a query whose terms were never read before."""
        with self._lock:
            if self._cache is not None:
                self._cache.forget()

    def with_engine(self, fn: Callable[[Any], Any]) -> Any:
        """`fn(engine)` with the query engine of the current snapshot, under the search lock
        (errors as `search`'s): a shard of a sharded archive (search/cluster/) gathers its
        statistics from the snapshot its next search scores."""
        return self._guarded(lambda searcher, cache: fn(cache.engine))

    # -- keeping the searcher fresh
    def _current(self) -> tuple[Any, SearcherCache]:
        """The searcher for the index as it is now (caller holds the lock)."""
        if self._closed:
            raise SearchFailedError("this NewsIndex is closed")
        if self._handle is None:  # opened with check=False
            self._handle = open_index(self._dir)
        if self._generations.switched_from(self._handle.generation):
            handle = open_index(self._handle.index_dir)
            if self._searcher is not None:
                self._searcher.close()
            self._handle, self._searcher = handle, None
        if self._searcher is not None and not self._searcher.up_to_date():
            fresh = self._handle.ix.searcher()
            self._searcher.close()
            self._searcher = None
            self._searcher = fresh
            self._cache = SearcherCache(fresh)
        if self._searcher is None:
            self._searcher = self._handle.ix.searcher()
            self._cache = SearcherCache(self._searcher)
        assert self._cache is not None
        return self._searcher, self._cache

    def _guarded(self, fn: Callable[[Any, SearcherCache], Any]) -> Any:
        with self._lock:
            try:
                searcher, cache = self._current()
                return fn(searcher, cache)
            except NewsSearchError:
                raise
            except Exception as exc:  # noqa: BLE001 - nothing from Whoosh may leak
                raise SearchFailedError(f"searching {self._dir} failed: "
                                        f"{type(exc).__name__}: {exc}") from exc

    # -- public API
    @property
    def doc_count(self) -> int:
        """Articles searchable now (from the current searcher: cheap, unlike `stats()`)."""
        return self._guarded(lambda s, c: s.doc_count())

    def parse(self, query: str, *, match: Match = DEFAULT_MATCH, exact: bool = False,
              now: datetime | None = None) -> ParsedQuery:
        """The parsed form of `query` (raises QueryError with position and hint)."""
        if match not in MATCH_MODES:
            raise SearchOptionError(f"match must be one of {', '.join(MATCH_MODES)}, not {match!r}")
        if not isinstance(query, str):
            raise QueryError(f"a query is text, not {type(query).__name__}")
        with _documented_errors("parsing the query"):
            # "words" parses as "all": its words are the parts of the strict AND (questions.py)
            return parse_query(query, variants=self._variants.get(), now=now or self.clock(),
                               match="all" if match == "words" else match, exact=exact,
                               limits=self.limits)

    def search(self, query: str, *, match: Match = DEFAULT_MATCH, exact: bool = False,
               sources: str | Sequence[str] | None = None,
               sections: str | Sequence[str] | None = None,
               languages: str | Sequence[str] | None = None,
               since: str | datetime | None = None, until: str | datetime | None = None,
               facets: Sequence[str] = (), sort: Sort = "relevance", limit: int = 10,
               page: int = 1, ids: Collection[str] | None = None,
               now: datetime | None = None, snippets: bool = True,
               suggest: bool = True, facet_size: int = 0,
               bodies: bool = False, empty_buckets: bool = False, collapse: bool = False,
               collapse_by: str = "best", count_by: str | None = None) -> SearchResults:
        """Search; see the README's query language. Filters outside the query narrow it.

        `match`: "words" (default) ranks a query of plain words as a question: the
        articles with any of its words, those with all of them first (`total_all_words`
        counts them); "all" requires every word, "any" ranks by score alone. Operators
        (AND, OR, NOT, -, phrases, parentheses) always keep their exact meaning.
        `ids` restricts matching to those article ids (alerts on freshly indexed
        articles). `now` (naive UTC) anchors relative dates; default: the clock.
        `snippets=False` skips highlighting (the costly part of large pages);
        `suggest=False` skips "did you mean" (query/suggest.py).
        Facet counts cover all matches; each facet ignores its own field's filter;
        `facet_size` keeps each facet's N largest values (0: all of them).
        `empty_buckets=True`: date facets also list the periods with no match (count 0)
        between their first and last (query/facets.py).
        `bodies=True` puts each hit's full text in `Hit.body`.
        `collapse=True` gives one hit per story (near-duplicate copies: query/collapse.py),
        the best-scoring copy or with `collapse_by="earliest"` the first published, with
        `Hit.copies` and `Hit.sources`; `total` and the pages then count stories.
        `count_by="story"` (implied by `collapse`) makes the facets count stories and sets
        `total_stories` and `total_articles`. Both need an index built with stories
        (SearchOptionError naming `news-search reindex --full` otherwise).
        With a date filter (`since`/`until`/`published:`) the results count the
        undated articles, with a date sort the undated matches (they cannot be placed).
        An index without articles (new, or mid first build) answers with no matches.
        Raises only NewsSearchError subclasses (QueryError, SearchOptionError...).
        """
        if sort not in SORTS:
            raise SearchOptionError(f"sort must be one of {', '.join(SORTS)}, not {sort!r}")
        limit = count_option("limit", limit, MAX_LIMIT)
        page = count_option("page", page)
        facet_size = 0 if facet_size in (0, "0") else count_option("facet_size", facet_size)
        with _documented_errors("reading the search options"):
            specs = [FacetSpec.parse(f) for f in _as_list(facets)]
            now = now or self.clock()
        if collapse or count_by is not None or collapse_by != "best":
            from .query.collapse import check_options as check_collapse

            check_collapse(collapse_by, count_by)
        if collapse and count_by == "article":
            raise SearchOptionError("collapse counts stories (one hit each): leave out "
                                    "count_by='article', or do not collapse")
        by_story = collapse or count_by == "story"
        parsed = self.parse(query, match=match, exact=exact, now=now)
        # match="words" (the default): plain words match any of them, articles with all of
        # them first; with any operator the query keeps its strict meaning, as match="all".
        question = match == "words" and is_question(tokenize(query, self.limits))
        mode = "words" if question else ("all" if match == "words" else match)
        with _documented_errors("reading the search options"):
            filters = _filter_queries(sources, sections, languages, since, until, now)
            id_list = None if ids is None else list(ids)

        def run(searcher: Any, cache: SearcherCache) -> SearchResults:
            reader = searcher.reader()
            engine, columns = cache.engine, cache.columns
            _check_expansions(parsed.expansions, reader, self.limits.max_expansions)
            if searcher.doc_count() == 0:
                # Nothing to match, and BM25's idf is log(0) over no articles.
                return SearchResults(query=query, total=0, page=page, limit=limit, hits=[],
                                     facets={spec.name: [] for spec in specs},
                                     suggestion=None, hints=parsed.hints)
            undated = _undated_counts(searcher, columns, "published" in filters
                                      or _has_date_range(parsed.query))
            filter_docs = {name: cache.filter_docs(q) for name, q in filters.items()}
            if id_list is not None:
                filter_docs["id"] = {n for n in (searcher.document_number(id=i) for i in id_list)
                                     if n is not None}
            combined = _intersect(filter_docs.values())
            start, end = (page - 1) * limit, page * limit
            # Every match, with its score, in one evaluation (engine/evaluate.py): the
            # exact total, facets and any order come from the same sets.
            word_docs = None
            if question:
                matched, word_docs = engine.evaluate_words(word_units(parsed.query))
            else:
                matched = engine.evaluate(parsed.query, scored=sort == "relevance" or (
                    collapse and collapse_by == "best"))
            final = matched.docs if combined is None else combined.intersection(matched.docs)
            total = len(final)
            all_words = None if word_docs is None else total if len(word_docs) < 2 else \
                len(set(final).intersection(*word_docs))
            # Story clusters: `pool` is what the pages list, one representative per story
            # when collapsing (query/collapse.py).
            pool, pool_scores, story_index, stories = final, matched.scores, None, None
            if by_story:
                from .query.collapse import collapse as collapse_matches
                from .query.collapse import count_stories

                story_index = self._stories_of(searcher, columns, reader.schema)
                stories = collapse_matches(final, story_index, collapse_by, matched.scores,
                                           columns.date_keys(), engine._ties)
                if collapse:
                    pool, pool_scores = stories.representatives, stories.scores
                    total = len(pool)
                    if all_words is not None and word_docs is not None:
                        all_words = count_stories(set(final).intersection(*word_docs), story_index)
            if not total:
                ranked: list[tuple[int, float | None]] = []
            elif sort == "relevance" and word_docs:
                ranked = engine.top_words(pool, pool_scores, word_docs, start, end)
            elif sort == "relevance":
                ranked = engine.top(pool, pool_scores, start, end)
            else:
                keys = columns.date_keys()
                if sort == "newest":  # latest first, undated last
                    order = engine.by_key(pool, lambda d: -keys[d], start, end)
                else:  # earliest first, undated last
                    order = engine.by_key(pool, lambda d: keys[d] if keys[d] >= 0 else _UNDATED,
                                          start, end)
                ranked = [(d, None) for d in order]
            facet_counts: dict[str, list[FacetValue]] = {}
            for spec in specs:
                others = _intersect(docs for name, docs in filter_docs.items() if name != spec.field)
                docs = matched.docs if others is None else others.intersection(matched.docs)
                if story_index is not None:  # each story once, as its representative copy
                    docs = collapse_matches(docs, story_index, collapse_by, matched.scores,
                                            columns.date_keys(), engine._ties).representatives
                counts = count_facet(spec, docs, columns, empty_buckets)
                facet_counts[spec.name] = [FacetValue(v, n) for v, n in
                                           (counts[:facet_size] if facet_size else counts)]
            undated_matches = None
            if sort != "relevance":
                keys = columns.date_keys()
                undated_matches = sum(1 for d in final if keys[d] < 0)
            terms = _highlight_terms(parsed.query, reader) if snippets else None
            hits = [_hit(searcher.stored_fields(d), score, terms, start + k + 1, bodies)
                    for k, (d, score) in enumerate(ranked)]
            if stories is not None and story_index is not None:
                hits = _with_stories(hits, [d for d, _ in ranked], story_index.story_of, stories,
                                     columns.column("source") if collapse else None)
            suggestion = (suggest_query(query, parsed.words, reader, self._words_of(searcher),
                                        self.limits) if suggest else None)
            return SearchResults(query=query, total=total, page=page, limit=limit, hits=hits,
                                 facets=facet_counts, suggestion=suggestion, hints=parsed.hints,
                                 match=mode, total_all_words=all_words,
                                 articles=undated[0], undated_articles=undated[1],
                                 undated_matches=undated_matches,
                                 count_by="story" if by_story else "article", collapsed=collapse,
                                 total_articles=len(final) if by_story else None,
                                 total_stories=len(stories.representatives) if stories else None)

        return self._guarded(run)

    def iter_hits(self, query: str, *, from_page: int = 1, **options: Any) -> Iterator[Hit]:
        """Every match of `search(query, **options)` in order, page by page.

        Holds one page (1,000 hits) at a time whatever the total, so a caller can
        export 100,000 matches in constant memory; `limit`/`page` are ours to set.
        `from_page` skips the pages before it. Each page re-runs the search (cached postings make that cheap) on the same
        order; an index that changes meanwhile may shift hits across page edges."""
        options.pop("limit", None)
        options.pop("page", None)
        options["suggest"] = False  # a suggestion is not a hit: never computed per page
        page = count_option("from_page", from_page)
        while True:
            res = self.search(query, **options, limit=MAX_LIMIT, page=page)
            yield from res.hits
            if page >= res.pages:
                return
            page += 1

    def timeline(self, query: str, *, by: str = "month", split: str | None = None,
                 match: Match = DEFAULT_MATCH, exact: bool = False,
                 sources: str | Sequence[str] | None = None,
                 sections: str | Sequence[str] | None = None,
                 languages: str | Sequence[str] | None = None,
                 since: str | datetime | None = None, until: str | datetime | None = None,
                 now: datetime | None = None) -> Timeline:
        """Coverage over time (query/timeline.py): for every `by` period ("day", "week",
        "month", "year") of the span, the matches of `query` and the articles indexed in
        it, under the same filters as `search`; `split` ("source", "section") per value.
        The matches are exactly `search`'s (its `total` is the timeline's `total`)."""
        from .query.timeline import build_timeline
        from .query.timeline import check_options as check_timeline_options

        with _documented_errors("reading the timeline options"):
            check_timeline_options(by, split)
            now = now or self.clock()
            filters = _filter_queries(sources, sections, languages, since, until, now)
            first = _date_option("since", since, now, upper=False)
            last = _date_option("until", until, now, upper=True)
        parsed = self.parse(query, match=match, exact=exact, now=now)
        question = match == "words" and is_question(tokenize(query, self.limits))

        def run(searcher: Any, cache: SearcherCache) -> Timeline:
            _check_expansions(parsed.expansions, searcher.reader(), self.limits.max_expansions)
            engine = cache.engine
            if searcher.doc_count() == 0:
                return build_timeline(query, by, (), None, cache.columns, split=split)
            combined = _intersect(cache.filter_docs(q) for q in filters.values())
            if question:
                matched = engine.evaluate_words(word_units(parsed.query))[0].docs
            else:
                matched = engine.evaluate(parsed.query, scored=False).docs
            final = matched if combined is None else combined.intersection(matched)
            return build_timeline(query, by, final, combined, cache.columns, live=engine.live,
                                  split=split, since=first, until=last)

        return self._guarded(run)

    def _stories_of(self, searcher: Any, columns: Any, schema: Any) -> StoryIndex:
        """The story index of this searcher's snapshot (caller holds the lock); built on
        the first search that collapses or counts stories, not before (query/collapse.py)."""
        from .query.collapse import StoryIndex, story_column

        if self._story_index is None or self._story_index[0] is not searcher:
            self._story_index = (searcher, StoryIndex(story_column(columns, schema)))
        return self._story_index[1]

    def _words_of(self, searcher: Any) -> Vocabulary:
        """The did-you-mean vocabulary of this searcher's snapshot (caller holds the lock)."""
        if self._vocabulary is None or self._vocabulary[0] is not searcher:
            self._vocabulary = (searcher, Vocabulary(searcher.reader()))
        return self._vocabulary[1]

    def get(self, article_id: str) -> Article | None:
        """The stored article with this id, or None (an id from `search`, `inspect` or
        `add`: ids are stable across reindexing, so they can be kept elsewhere)."""
        def run(searcher: Any, cache: SearcherCache) -> Article | None:
            fields = searcher.document(id=article_id)
            return article_from_stored(fields) if fields else None

        return self._guarded(run)

    def story(self, story_id: str) -> Story:
        """A story's copies, earliest first, each with a short word-level diff against the
        earliest (query/story.py). `story_id` is a story id (`Hit.story`) or the id of any
        of its articles. ArticleNotFoundError when it is neither; SearchOptionError naming
        `news-search reindex --full` on an index built before story clusters."""
        from .query.collapse import story_column, story_copies
        from .query.story import build_story

        def run(searcher: Any, cache: SearcherCache) -> Story:
            story_of = story_column(cache.columns, searcher.reader().schema)
            key = story_id
            docs = story_copies(story_of, key, cache.engine.deleted)
            if not docs:
                d = searcher.document_number(id=story_id)
                if d is None:
                    raise ArticleNotFoundError(f"no story or article with id {story_id} in "
                                               f"{self.index_dir}")
                key = story_of[d].decode("utf-8") if isinstance(story_of[d], bytes) else story_of[d]
                docs = story_copies(story_of, key, cache.engine.deleted) or [d]
            return build_story(key, [searcher.stored_fields(d) for d in docs], utc_aware)

        return self._guarded(run)

    def similar(self, article_id: str, limit: int = 10) -> SearchResults:
        """Articles most like the given one (key terms of its body), best first."""
        limit = count_option("limit", limit, MAX_LIMIT)

        def run(searcher: Any, cache: SearcherCache) -> SearchResults:
            docnum = searcher.document_number(id=article_id)
            if docnum is None:
                raise ArticleNotFoundError(f"no article with id {article_id} in {self.index_dir}")
            stored = searcher.stored_fields(docnum)
            text = f"{stored.get('headline', '')}\n{stored.get('body', '')}"
            # Equal scores are listed by article id (a sharded archive lists them so: Whoosh's
            # own order, by document number, depends on how the index was built). A tie at
            # the cut-off may go on past `top`: then every match is scored.
            top = limit + 10
            r = searcher.more_like(docnum, "body", text=text, top=top, numterms=SIMILAR_TERMS)
            scored = [(r.score(i), r.docnum(i)) for i in range(r.scored_length())]
            if len(scored) == top and scored[limit - 1][0] == scored[-1][0]:
                r = searcher.more_like(docnum, "body", text=text, top=None, numterms=SIMILAR_TERMS)
                scored = [(r.score(i), r.docnum(i)) for i in range(r.scored_length())]
            if len(scored) > limit:  # the top `limit` and every match tied with the last
                scored = [(score, d) for score, d in scored if score >= scored[limit - 1][0]]
            ranked = sorted(((score, searcher.stored_fields(d)) for score, d in scored),
                            key=lambda item: (-item[0], item[1]["id"]))[:limit]
            hits = [_hit(stored, score, set(), i + 1) for i, (score, stored) in enumerate(ranked)]
            return SearchResults(query=f"similar:{article_id}", total=len(hits), page=1,
                                 limit=limit, hits=hits)

        return self._guarded(run)


# -- helpers (pure, or working on a reader/searcher passed in)

def _filter_queries(sources: Any, sections: Any, languages: Any, since: Any, until: Any,
                    now: datetime) -> dict[str, Any]:
    """field -> whoosh query for every filter given outside the query text."""
    from whoosh import query as wq

    out: dict[str, Any] = {}
    for field, values in (("source", sources), ("section", sections), ("language", languages)):
        vals = [keyword_value(v) for v in _as_list(values)]
        if vals:
            out[field] = wq.Or([wq.Term(field, v) for v in vals]) if len(vals) > 1 else wq.Term(field, vals[0])
    start = _date_option("since", since, now, upper=False)
    end = _date_option("until", until, now, upper=True)
    if start is not None or end is not None:
        if start is not None and end is not None and start > end:
            raise SearchOptionError(f"since ({since}) is after until ({until})")
        out["published"] = date_range("published", start, end)  # partial dates: wholly inside
    return out


def _date_option(name: str, value: str | datetime | None, now: datetime, *, upper: bool) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo is None else utc_naive(value)
    try:
        return parse_bound(str(value), now, upper=upper)
    except QueryError as exc:
        raise SearchOptionError(f"{name}: {exc}") from None


def utc_naive(value: datetime) -> datetime:
    """An aware datetime as the naive UTC the index stores (Whoosh ignores offsets)."""
    from datetime import timezone

    return value.astimezone(timezone.utc).replace(tzinfo=None)


def _has_date_range(q: Any) -> bool:
    """Whether the parsed query holds a `published:` condition."""
    from whoosh import query as wq

    if isinstance(q, wq.DateRange) or (isinstance(q, wq.NumericRange) and q.fieldname == "published"):
        return True
    return any(_has_date_range(c) for c in q.children()) if not q.is_leaf() else False


def _undated_counts(searcher: Any, columns: Any, asked: bool) -> tuple[int | None, int | None]:
    """(live articles, of them undated) when a date filter is asked for, else (None, None)."""
    if not asked:
        return None, None
    reader = searcher.reader()
    keys = columns.date_keys()
    live = list(reader.all_doc_ids())
    return len(live), sum(1 for d in live if keys[d] < 0)


def _intersect(sets: Iterable[set[int] | frozenset[int]]) -> set[int] | None:
    result: set[int] | None = None
    for s in sorted(sets, key=len):
        result = set(s) if result is None else result & s
    return result


def _check_expansions(expansions: list[Expansion], reader: Any,
                      most: int = MAX_EXPANSIONS) -> None:
    """Refuse wildcards standing for more than `most` words (slow, and rarely meant;
    on a shard, the words of the whole archive: engine/expand.py)."""
    from .engine.expand import glob_words

    for exp in expansions:
        count = 0
        for field in exp.fields:
            for _word in glob_words(reader, field, exp.pattern):
                count += 1
                if count > most:
                    raise QueryError(
                        f"'{excerpt(exp.raw)}' matches more than {most} different words",
                        position=exp.position,
                        hint="use a longer prefix (e.g. sanction* rather than sa*)")


def _highlight_terms(q: Any, reader: Any) -> set[str]:
    """Words to mark in snippets: the query's terms, wildcards expanded, negations left out."""
    from whoosh import query as wq

    terms: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, wq.AndNot):
            walk(node.a)
            return
        if isinstance(node, wq.Not):
            return
        if hasattr(node, "a") and hasattr(node, "b"):  # span queries (phrases with gaps)
            walk(node.a)
            walk(node.b)
            return
        if isinstance(node, (wq.Prefix, wq.Wildcard, wq.FuzzyTerm)):
            if node.fieldname in CONTENT_FIELDS:
                for _, text in node.expanded_terms(reader):
                    terms.add(text.decode("utf-8") if isinstance(text, bytes) else text)
            return
        if node.is_leaf():
            if node.has_terms():
                for field, text in node.terms(phrases=True):
                    if field in CONTENT_FIELDS:
                        terms.add(text.decode("utf-8") if isinstance(text, bytes) else text)
            return
        for child in node.children():
            walk(child)

    walk(q)
    return terms


def _with_stories(hits: list[Hit], docs: list[int], story_of: list, stories: Any,
                  sources: list | None) -> list[Hit]:
    """Hits with their story id, and when collapsed (`sources` given) the number and
    sources of the matching copies each stands for."""
    import dataclasses

    from .query.collapse import sources_of

    out = []
    for hit, d in zip(hits, docs):
        story = story_of[d]
        story = story.decode("utf-8") if isinstance(story, bytes) else story
        copies = stories.members.get(d, [d])
        out.append(dataclasses.replace(
            hit, story=story or None, copies=len(copies) if sources is not None else None,
            sources=sources_of(copies, sources) if sources is not None else None))
    return out


def _hit(stored: dict[str, Any], score: float | None, terms: set[str] | None, rank: int,
         body: bool = False) -> Hit:
    return Hit(id=stored["id"], headline=stored.get("headline", ""), source=stored.get("source"),
               published=utc_aware(stored.get("published")), url=stored.get("url"),
               path=stored.get("path", ""), score=score,
               snippet=make_snippet(stored.get("body", ""), terms) if terms is not None else "",
               section=stored.get("section"), language=stored.get("language"), rank=rank,
               body=stored.get("body", "") if body else None,
               published_precision=stored.get("published_precision"))
