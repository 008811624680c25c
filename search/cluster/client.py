"""`ClusterIndex`: `NewsIndex`'s search API over a sharded archive served by Ray actors.

    from search.cluster import ClusterIndex
    with ClusterIndex.open("archive") as ix:          # the Ray address from the manifest
        res = ix.search("oil AND opec", facets=["source"], allow_partial=True)
        print(res.total, res.partial, res.missing_shards)

A search is three scatter/gather phases over the shard actors (shard.py):
1. statistics: each shard counts the query's words in its snapshot; the sums are the
   archive's BM25 statistics (search/engine/collection.py);
2. search: each shard returns its first page*limit matches in the archive's order,
   scored with those statistics, and its counts; merge.py merges them;
3. fetch: the shards holding the chosen hits make their snippets (only those);
4. did you mean (unless suggest=False): which of the query's words some shard knows
   (asked alongside step 1, read after step 3), then, for unknown words only, the
   shards' word lists and frequencies, merged (`ArchiveLexicon`).
Wildcards and fuzzy words are expanded on every shard in step 1; the union of the
expansions goes with the statistics, so each shard evaluates the archive's words
(search/engine/expand.py), and the merged date facets are filled with empty periods
here when asked (`empty_buckets`).
So the answer is the one a single index of the same articles gives: ids, order, scores,
totals, facets, snippets (tests/test_cluster.py compares 300 queries on Reuters-21578).

Every phase waits at most the archive's per-shard time limit (`shard_timeout`, 30 s):
a shard that is dead, restarting or too slow is named in ShardUnavailableError, or, with
`allow_partial=True`, left out of results flagged `partial` with `missing_shards`.
Shard actors are named, detached and restarted by Ray (max_restarts) from their index on
disk, so any process that opens the archive reuses the warm shards.
"""
from __future__ import annotations

import dataclasses
import os
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..errors import ArticleNotFoundError, NewsSearchError, SearchFailedError, SearchOptionError
from ..results import Hit, SearchResults
from .archive import Archive, read_archive
from .errors import ClusterError, ShardUnavailableError
from .merge import ShardPage, merge_counts, merge_facets, merge_ranked

MAX_LIMIT = 1000
SHARD_CONCURRENCY = 4  # calls one shard actor serves at once (searches while it writes)


@dataclass(frozen=True)
class ClusterResults(SearchResults):
    """SearchResults of a sharded archive: `partial` when some shards did not answer
    (only with allow_partial), which are listed in `missing_shards`."""

    partial: bool = False
    missing_shards: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "partial": self.partial,
                "missing_shards": list(self.missing_shards)}


class ArchiveLexicon:
    """The did-you-mean lexicon (query/suggest.py) of a whole archive: a word is known if
    a shard knows it (gathered before, `known`), its frequency is the sum over shards, a
    first letter's words the union; each batch is one round trip to the shards, and
    what was asked once is remembered for the rest of the query."""

    batches = True

    def __init__(self, index: "ClusterIndex", shards: list[str], fields: frozenset[str],
                 known: set[tuple[str, str]], partial_ok: bool, missing: dict[str, str]):
        self.index, self.shards, self.fields = index, shards, fields
        self._known, self._partial_ok, self._missing = known, partial_ok, missing
        self._buckets: dict[tuple[str, str], list[str]] = {}
        self._frequencies: dict[tuple[str, str], int] = {}

    def _ask(self, question: str, items: list[Any]) -> list[Any]:
        answers, late = self.index.scatter(
            "lexicon", {s: (question, items) for s in self.shards}, self._partial_ok)
        self._missing.update(late)
        return [answers[s] for s in self.shards if s in answers]

    def known(self, pairs: Any) -> set[tuple[str, str]]:
        return {p for p in pairs if p in self._known}

    def frequencies(self, pairs: Any) -> dict[tuple[str, str], int]:
        pairs = list(pairs)
        wanted = sorted(set(pairs) - set(self._frequencies))
        if wanted:
            total = dict.fromkeys(wanted, 0)
            for part in self._ask("frequencies", wanted):
                for pair, n in part.items():
                    total[pair] += n
            self._frequencies.update(total)
        return {p: self._frequencies[p] for p in pairs}

    def buckets(self, keys: Any) -> dict[tuple[str, str], list[str]]:
        keys = list(keys)
        wanted = sorted(set(keys) - set(self._buckets))
        if wanted:
            merged: dict[tuple[str, str], set[str]] = {k: set() for k in wanted}
            for part in self._ask("buckets", wanted):
                for key, words in part.items():
                    merged[key].update(words)
            self._buckets.update({k: sorted(v) for k, v in merged.items()})
        return {k: self._buckets[k] for k in keys}


@dataclass
class Sent:
    """Calls started on shards (`ClusterIndex.submit`): shard -> Ray reference, and the
    shards whose actor could not be reached (shard -> why)."""

    refs: dict[str, Any] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)


def ray_module() -> Any:
    try:
        import ray
    except ImportError:
        raise ClusterError("a sharded archive needs Ray: pip install 'news-search[cluster]'") from None
    return ray


CONNECT_TIMEOUT = 5.0  # seconds to open a TCP connection to the cluster's head


def probe(address: str) -> None:
    """ClusterError at once when nothing listens at HOST:PORT: `ray.init` retries an
    unreachable head for minutes (measured: over 5 min with Ray 2.60 at a closed port),
    which a `schedule --once` under cron or systemd would spend hanging."""
    import socket

    host, sep, port = address.rpartition(":")
    if not sep or not port.isdigit() or "://" in address:
        return  # "auto", or a ray:// client address: left to Ray
    try:
        socket.create_connection((host or "127.0.0.1", int(port)), timeout=CONNECT_TIMEOUT).close()
    except OSError as exc:
        raise ClusterError(f"cannot reach the Ray cluster at {address}: {exc.strerror or exc}; "
                           f"start one with `ray start --head` or give its address with "
                           f"--cluster HOST:PORT") from None


def connect(address: str | None, namespace: str) -> Any:
    """Ray, connected to the cluster at `address` (None: $RAY_ADDRESS or the local one)."""
    ray = ray_module()
    if not ray.is_initialized():
        probe(address or os.environ.get("RAY_ADDRESS") or "auto")
        try:
            ray.init(address=address or os.environ.get("RAY_ADDRESS") or "auto",
                     namespace=namespace, log_to_driver=False, logging_level="ERROR",
                     include_dashboard=False)
        except (ConnectionError, RuntimeError, ValueError) as exc:
            raise ClusterError(f"cannot reach the Ray cluster at {address or 'auto'}: {exc}; start "
                               f"one with `ray start --head` or give its address with --cluster "
                               f"HOST:PORT") from None
    return ray


class ClusterIndex:
    """A sharded archive (archive.py) searched through its shard actors on a Ray cluster."""

    def __init__(self, archive: Archive, *, address: str | None = None,
                 shard_timeout: float | None = None, allow_partial: bool = False):
        self.archive = archive
        self.index_dir = archive.root
        self.allow_partial = allow_partial
        self.shard_timeout = shard_timeout or archive.shard_timeout
        self._ray = connect(address or archive.address, archive.namespace)
        self._actors: dict[str, Any] = {}
        self._nodes: list[str] | None = None  # live Ray nodes, as first seen

    @classmethod
    def open(cls, archive_dir: str | os.PathLike[str], **kw: Any) -> "ClusterIndex":
        return cls(read_archive(archive_dir), **kw)

    def __enter__(self) -> "ClusterIndex":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Forget the actor handles (the shard actors live on, detached, for other clients)."""
        self._actors.clear()
        self._nodes = None

    # -- shard actors
    def actor(self, shard: str) -> Any:
        """The shard's actor: found by name, or started (any client may start it)."""
        handle = self._actors.get(shard)
        if handle is None:
            from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

            from .shard import Shard

            if self._nodes is None:
                self._nodes = sorted(n["NodeID"] for n in self._ray.nodes() if n.get("Alive"))
            # Shard k on node k mod nodes: spread evenly (Ray's SPREAD put 4 actors that
            # ask for no CPU on one node); soft, so that a restart after a node is lost
            # goes to another node.
            where = NodeAffinitySchedulingStrategy(
                self._nodes[self.archive.shards.index(shard) % len(self._nodes)], soft=True)
            remote = self._ray.remote(Shard)
            handle = remote.options(
                name=self.archive.actor_name(shard), namespace=self.archive.namespace,
                get_if_exists=True, lifetime="detached", max_restarts=-1, max_task_retries=0,
                max_concurrency=SHARD_CONCURRENCY, num_cpus=0, scheduling_strategy=where,
            ).remote(shard, str(self.archive.shard_dir(shard)))
            self._actors[shard] = handle
        return handle

    def scatter(self, method: str, calls: dict[str, tuple[Any, ...]],
                allow_partial: bool) -> tuple[dict[str, Any], dict[str, str]]:
        """Call `method` on each shard with its arguments; (answers, missing shard -> why).

        Waits at most `shard_timeout` for all of them together. A shard's own
        NewsSearchError (a bad query) is raised as it is; a dead, restarting or late shard
        is missing: ShardUnavailableError unless `allow_partial`."""
        return self.gather(self.submit(method, calls), allow_partial)

    def submit(self, method: str, calls: dict[str, tuple[Any, ...]]) -> Sent:
        """Start `method` on each shard without waiting: `gather` collects the answers, so
        a call whose answer is needed later runs alongside the phases before it."""
        from ray import exceptions as rex

        sent = Sent()
        for shard, args in calls.items():
            try:
                sent.refs[shard] = getattr(self.actor(shard), method).remote(*args)
            except rex.RayError as exc:
                sent.missing[shard] = f"cannot be started ({type(exc).__name__})"
        return sent

    def gather(self, sent: Sent, allow_partial: bool) -> tuple[dict[str, Any], dict[str, str]]:
        """The answers of `submit`'s calls, as `scatter` returns them (waiting at most
        `shard_timeout` from now)."""
        ray = self._ray
        from ray import exceptions as rex

        refs, missing = sent.refs, dict(sent.missing)
        ready, _late = ray.wait(list(refs.values()), num_returns=len(refs),
                                timeout=self.shard_timeout) if refs else ([], [])
        ready_set = set(ready)
        answers: dict[str, Any] = {}
        for shard, ref in refs.items():
            if ref not in ready_set:
                missing[shard] = f"no answer within {self.shard_timeout:g} s"
                ray.cancel(ref)
                continue
            try:
                answers[shard] = ray.get(ref)
            except rex.RayTaskError as exc:
                cause = getattr(exc, "cause", None)
                if isinstance(cause, NewsSearchError):
                    raise cause from None
                raise SearchFailedError(f"shard {shard} of {self.index_dir} failed: "
                                        f"{type(cause or exc).__name__}: {cause or exc}") from exc
            except rex.RayError as exc:  # dead, restarting (ActorUnavailableError), lost
                missing[shard] = f"down ({type(exc).__name__})"
        if missing and not allow_partial:
            names = ", ".join(f"{s} ({why})" for s, why in sorted(missing.items()))
            raise ShardUnavailableError(
                f"shard {names} of the archive at {self.index_dir} did not answer; retry when "
                f"Ray has restarted it, or pass --allow-partial (allow_partial=True) for the "
                f"other shards' results", sorted(missing))
        return answers, missing

    # -- search
    def search(self, query: str, *, match: str = "words", exact: bool = False,
               sources: str | Sequence[str] | None = None,
               sections: str | Sequence[str] | None = None,
               languages: str | Sequence[str] | None = None,
               since: str | datetime | None = None, until: str | datetime | None = None,
               facets: Sequence[str] = (), sort: str = "relevance", limit: int = 10,
               page: int = 1, ids: Collection[str] | None = None,
               now: datetime | None = None, snippets: bool = True, suggest: bool = True,
               facet_size: int = 0, bodies: bool = False, empty_buckets: bool = False,
               collapse: bool = False, collapse_by: str = "best", count_by: str | None = None,
               allow_partial: bool | None = None) -> ClusterResults:
        """`NewsIndex.search` over every shard (same arguments, same answer), plus
        `allow_partial` (default: the one given to `open`). "Did you mean" reads the
        archive's merged lexicon (`ArchiveLexicon`); `empty_buckets` fills the merged
        date facets. Not yet: `collapse` and `count_by="story"` (story ids are per shard)."""
        from ..api import SORTS, count_option
        from ..query.dates import utc_now
        from ..query.facets import FacetSpec

        partial_ok = self.allow_partial if allow_partial is None else allow_partial
        for name, given in (("collapse", collapse), ("count_by", count_by not in (None, "article"))):
            if given:
                raise SearchOptionError(f"{name} is not available on a sharded archive yet: "
                                        f"search one shard's index for it")
        if sort not in SORTS:
            raise SearchOptionError(f"sort must be one of {', '.join(SORTS)}, not {sort!r}")
        limit = count_option("limit", limit, MAX_LIMIT)
        page = count_option("page", page)
        facet_size = 0 if facet_size in (0, "0") else count_option("facet_size", facet_size)
        names = [FacetSpec.parse(f).name for f in ([facets] if isinstance(facets, str) else facets)]
        now = now or utc_now()
        options = {"match": match, "exact": exact, "sources": sources, "sections": sections,
                   "languages": languages, "since": since, "until": until,
                   "facets": tuple(names), "sort": sort,
                   "ids": None if ids is None else list(ids), "now": now}
        start, end = (page - 1) * limit, page * limit
        shards = list(self.archive.shards)
        # did you mean: the shards parse the query and say which words they know while the
        # search runs (read at the end: no round trip of its own when every word is known)
        words = self.submit("query_words", {s: (query, match, exact, now) for s in shards}) \
            if suggest else None
        parts, missing = self.scatter("statistics", {s: (query, match, exact, now) for s in shards},
                                      partial_ok)
        from ..engine.collection import CollectionStats

        stats = CollectionStats.combine(parts[s] for s in shards if s in parts)
        pages, late = self.scatter("search", {s: (query, options, stats, end) for s in shards
                                              if s in parts}, partial_ok)
        missing.update(late)
        answered: list[ShardPage] = [pages[s] for s in shards if s in pages]
        window = merge_ranked(answered, sort, start, end)
        hits = [r.hit for _, r in window]
        if window and (snippets or bodies):
            by_shard: dict[str, list[str]] = {}
            for shard, r in window:
                by_shard.setdefault(shard, []).append(r.id)
            fetched, late = self.scatter(
                "fetch", {s: (query, options, stats, ids_, snippets, bodies)
                          for s, ids_ in by_shard.items()}, partial_ok)
            missing.update(late)
            full = {h.id: h for got in fetched.values() for h in got}
            hits = [full.get(r.id, r.hit) for _, r in window]
        hits = [dataclasses.replace(h, rank=start + k + 1) for k, h in enumerate(hits)]
        counts = merge_counts(answered)
        facet_counts = merge_facets(answered, names, facet_size, empty_buckets)
        suggestion = self._suggestion(query, words, partial_ok, missing) if words is not None else None
        return ClusterResults(
            query=query, total=counts["total"], page=page, limit=limit, hits=hits,
            facets=facet_counts, suggestion=suggestion,
            hints=counts["hints"], match=counts["match"], total_all_words=counts["total_all_words"],
            articles=counts["articles"], undated_articles=counts["undated_articles"],
            undated_matches=counts["undated_matches"], partial=bool(missing),
            missing_shards=sorted(missing))

    def _suggestion(self, query: str, words: Sent, partial_ok: bool,
                    missing: dict[str, str]) -> str | None:
        """"Did you mean" from the archive's lexicon: the words known to any shard (the
        shards' answers to `query_words`), then, for unknown ones, the shards' word lists
        and frequencies merged (ArchiveLexicon)."""
        from ..query.limits import DEFAULT_LIMITS
        from ..query.suggest import suggest_from

        answers, late = self.gather(words, partial_ok)
        missing.update(late)
        shards = [s for s in self.archive.shards if s in answers and s not in missing]
        if not shards:
            return None
        first = answers[shards[0]]
        known = set().union(*(answers[s][2] for s in shards))
        lexicon = ArchiveLexicon(self, shards, first[1], known, partial_ok, missing)
        return suggest_from(query, first[0], lexicon, DEFAULT_LIMITS)

    def iter_hits(self, query: str, *, from_page: int = 1, **options: Any) -> Iterator[Hit]:
        """Every match, page by page (as NewsIndex.iter_hits)."""
        from ..api import count_option

        options.pop("limit", None)
        options.pop("page", None)
        page = count_option("from_page", from_page)
        while True:
            res = self.search(query, **options, limit=MAX_LIMIT, page=page, suggest=False)
            yield from res.hits
            if page >= res.pages:
                return
            page += 1

    # -- articles and the archive
    def get(self, article_id: str) -> Any:
        """The stored article with this id (asked of the one shard that can hold it), or None."""
        shard = self.archive.shard_for(article_id)
        answers, _ = self.scatter("get", {shard: (article_id,)}, False)
        return answers[shard]

    def similar(self, article_id: str, limit: int = 10) -> SearchResults:
        """Articles most like the given one over the whole archive, as one index ranks
        them (similar.py): its words from its shard, the key words chosen and scored with
        the archive's statistics on every shard, the best `limit` merged."""
        from ..api import SIMILAR_TERMS, count_option
        from .similar import WordStatistics, key_terms

        limit = count_option("limit", limit, MAX_LIMIT)
        home = self.archive.shard_for(article_id)
        answers, _ = self.scatter("similar_vector", {home: (article_id,)}, False)
        vector = answers[home]
        if vector is None:
            raise ArticleNotFoundError(f"no article with id {article_id} in {self.index_dir}")
        shards = list(self.archive.shards)
        parts, _ = self.scatter("similar_statistics", {s: (sorted(vector),) for s in shards}, False)
        stats = WordStatistics.combine(parts[s] for s in shards)
        terms = key_terms(vector, stats, SIMILAR_TERMS)
        found: dict[str, list[tuple[float, Hit]]] = {}
        if terms:
            found, _ = self.scatter("similar_search", {
                s: (terms, stats, article_id if s == home else None, limit) for s in shards}, False)
        best = sorted((sh for s in shards for sh in found.get(s, ())),
                      key=lambda sh: (-sh[0], sh[1].id))[:limit]
        hits = [dataclasses.replace(h, rank=k + 1) for k, (_, h) in enumerate(best)]
        return SearchResults(query=f"similar:{article_id}", total=len(hits), page=1, limit=limit,
                             hits=hits)

    @property
    def doc_count(self) -> int:
        answers, _ = self.scatter("doc_count", {s: () for s in self.archive.shards}, False)
        return sum(answers.values())

    def status(self) -> list[dict[str, Any]]:
        """Per shard: articles, node and process, or why it did not answer."""
        answers, missing = self.scatter("ping", {s: () for s in self.archive.shards}, True)
        return [answers.get(s) or {"shard": s, "down": missing.get(s)} for s in self.archive.shards]

    def articles(self) -> dict[str, dict[str, str]]:
        """shard -> {article id: content hash} over the whole archive."""
        answers, _ = self.scatter("articles", {s: () for s in self.archive.shards}, False)
        return answers

    def index(self, paths: str | os.PathLike[str] | Sequence[str | os.PathLike[str]], *,
              ingest: Any = None, progress: Any = None, wait: float = 0.0,
              should_stop: Any = None, alerts: bool = True) -> Any:
        """Read `paths` in parallel Ray tasks and write each article to its shard, as
        `NewsIndex.index` (the paths become corpus roots; the archive's writer lock, the
        run recorded for `stats`, then the alerts delivered): build.py's `run_build`."""
        from .build import run_build

        listed = [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)
        return run_build(self, [str(p) for p in listed], ingest=ingest, wait=wait,
                         progress=progress, should_stop=should_stop, alerts=alerts)

    def reindex(self, *, full: bool = False, allow_shrink: bool = False,
                drop_missing_roots: bool = False, ingest: Any = None, progress: Any = None,
                wait: float = 0.0, should_stop: Any = None, alerts: bool = True) -> Any:
        """Rescan the recorded roots: add new, update changed, delete gone articles (as
        `NewsIndex.reindex`; `should_stop()` ends it after the batches in flight).
        `full=True`: rebuild every shard into a new generation (rebuild.py), published
        only if no article was lost (RebuildRefusedError otherwise)."""
        if full:
            from .rebuild import rebuild_shards

            return rebuild_shards(self, None, kind="reindex --full", ingest=ingest, wait=wait,
                                  allow_shrink=allow_shrink,
                                  drop_missing_roots=drop_missing_roots, alerts=alerts)
        if allow_shrink or drop_missing_roots:
            raise SearchOptionError("allow_shrink and drop_missing_roots go with full=True")
        from .build import run_build

        return run_build(self, None, ingest=ingest, wait=wait, progress=progress,
                         should_stop=should_stop, alerts=alerts)

    def stats(self, runs: int = 1) -> dict[str, Any]:
        """What `news-search stats --json` prints for the archive: its shards summed, read
        from their folders (stats.py), as `NewsIndex.stats`."""
        from .stats import archive_stats

        return archive_stats(self.index_dir, last_runs=runs)

    def check(self, repair: bool = False, allow_shrink: bool = False) -> Any:
        """Every shard read back whole (check.py's ArchiveCheck); `repair=True` rebuilds
        the damaged shards from the corpus roots, through this connection."""
        from .check import check_archive, repair_archive

        if repair:
            return repair_archive(self.index_dir, allow_shrink=allow_shrink, cluster=self)
        return check_archive(self.index_dir)

    # -- alerts (search/schedule/ runs them through this index's searches)
    @property
    def alerts(self) -> Any:
        """The archive's saved searches, as `NewsIndex.alerts` (stored in the archive folder)."""
        from ..library import Alerts

        return Alerts(self)

    def open_contents(self) -> Any:
        """What alert delivery reads of the archive: every shard's committed contents."""
        from .alerting import ArchiveContents

        return ArchiveContents(self.archive)
