"""The writing half of `NewsIndex`: indexing, stats and alerts, so a program needs no CLI.

`NewsIndex` (search/api.py) inherits these methods; they are here so that the
search module stays about searching, and so that nothing heavy loads before a
method is called (`import search.api` is most of a cold `news-search query`).

Why each method is shaped as it is:
- Every write takes the index directory's single-writer lock, as the CLI does,
  and raises IndexLockedError after `wait` seconds: a library user and a cron job
  never write at the same time.
- Each returns the record the CLI prints with `--json` (`IndexRun`, the stats
  dict, `SavedSearch`, `Delivery`), so a program and a shell script see the same
  facts.
- Saved-search alerts are delivered after every write, as after a scheduled run
  (the policy lived in the CLI before): a pipeline that adds articles gets its
  alerts without a second call. `alerts=False` leaves delivery to a later
  `ix.alerts.deliver()` (nothing is lost: delivery catches up on everything
  committed since the last one).
- Articles from memory (`add`, `upsert`, `delete`) live beside corpus files and
  survive `reindex` and `reindex(full=True)`: see search/indexing/indexer.py.
"""
from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .article import Article, article_id, content_hash
from .errors import SearchOptionError

if TYPE_CHECKING:
    from .indexing.indexer import Progress, ShouldStop, WriteSettings
    from .indexing.report import IndexRun
    from .ingest import IngestOptions
    from .schedule.alerts import SavedSearch
    from .schedule.delivery import Delivery
    from .schedule.matching import SearchableIndex

API_ROOT_NAME = "api"  # the root name of ids derived for articles given without one


def prepare_article(article: Article) -> Article:
    """An article given from memory, completed the way ingestion completes one.

    - no `id`: derived from its url (the same story upserted again keeps its id),
      else from its headline and body;
    - no `content_hash`: computed (it decides "unchanged" and exact duplicates);
    - a naive `published`: taken as UTC (the index stores UTC; a local-time guess
      would shift articles across day boundaries in date filters).
    Anything but an Article, or text fields that are not text, is a SearchOptionError."""
    if not isinstance(article, Article):
        raise SearchOptionError(f"articles must be search.Article objects, not "
                                f"{type(article).__name__}")
    if not isinstance(article.headline, str) or not isinstance(article.body, str):
        raise SearchOptionError(f"article {article.id or '(no id)'}: headline and body must be "
                                f"text")
    if not (article.headline.strip() or article.body.strip()):
        raise SearchOptionError(f"article {article.id or '(no id)'} has neither headline nor "
                                f"body: nothing to search")
    changes: dict[str, Any] = {}
    digest = article.content_hash or content_hash(article.headline, article.body)
    if not article.content_hash:
        changes["content_hash"] = digest
    if not article.id:
        changes["id"] = article_id(API_ROOT_NAME, article.url or digest)
    if article.published is not None:
        if not isinstance(article.published, datetime):
            raise SearchOptionError(f"article {article.id or '(no id)'}: published must be a "
                                    f"datetime, not {type(article.published).__name__}")
        if article.published.tzinfo is None:
            changes["published"] = article.published.replace(tzinfo=timezone.utc)
    if article.published_precision is not None:
        from .article import PRECISIONS

        if article.published_precision not in PRECISIONS:
            raise SearchOptionError(f"article {article.id or '(no id)'}: published_precision must "
                                    f"be one of {', '.join(PRECISIONS)} or None, not "
                                    f"{article.published_precision!r}")
        if article.published is None:
            changes["published_precision"] = None  # no date, no precision
        elif article.published_precision in ("year", "month"):  # stored as the period's start
            when = changes.get("published", article.published).astimezone(timezone.utc)
            changes["published"] = when.replace(month=when.month if article.published_precision
                                                == "month" else 1, day=1, hour=0, minute=0,
                                                second=0, microsecond=0)
    return dataclasses.replace(article, **changes) if changes else article


def _articles(articles: Article | Iterable[Article]) -> Iterable[Article]:
    """Lazily, so a generator of a million articles is never held in memory at once."""
    if isinstance(articles, Article):
        articles = [articles]
    if isinstance(articles, (str, bytes)) or not isinstance(articles, Iterable):
        raise SearchOptionError(f"give an Article or an iterable of them, not "
                                f"{type(articles).__name__}")
    return (prepare_article(a) for a in articles)


def _ids(ids: str | Iterable[str]) -> list[str]:
    if isinstance(ids, str):
        return [ids]
    out = list(ids)
    bad = [i for i in out if not isinstance(i, str)]
    if bad:
        raise SearchOptionError(f"article ids are text, not {type(bad[0]).__name__}")
    return out


class IndexWriting:
    """Indexing, statistics and alerts for a `NewsIndex` (see the module docstring)."""

    index_dir: Path  # provided by NewsIndex

    # -- from memory
    def add(self, articles: Article | Iterable[Article], *, wait: float = 0.0,
            alerts: bool = True, settings: WriteSettings | None = None) -> IndexRun:
        """Index articles a program holds (a scraper, a pipeline): no files needed.

        An id already in the index is skipped (`run.skipped` says so; `upsert`
        replaces). An exact copy of an indexed article is skipped as a duplicate, as
        for files. These articles survive `reindex` and `reindex(full=True)`.

        Written in durable batches (`settings.batch_size`, 5,000): an article that is
        not valid (SearchOptionError) stops the call, and the batches before it stay."""
        return self._from_memory("add", articles=_articles(articles), replace=False,
                                 wait=wait, alerts=alerts, settings=settings)

    def upsert(self, articles: Article | Iterable[Article], *, wait: float = 0.0,
               alerts: bool = True, settings: WriteSettings | None = None) -> IndexRun:
        """Add articles, replacing those with the same id (unchanged ones cost nothing).

        An id that a corpus file produced is not taken over (skipped with the reason):
        the file would put its own version back at its next change."""
        return self._from_memory("upsert", articles=_articles(articles), replace=True,
                                 wait=wait, alerts=alerts, settings=settings)

    def delete(self, ids: str | Iterable[str], *, wait: float = 0.0,
               settings: WriteSettings | None = None) -> IndexRun:
        """Delete articles given from memory by id (`run.deleted` counts them).

        Unknown ids and articles read from corpus files are skipped with the reason (a
        file's article comes back from the file: delete the file and `reindex`). If a
        corpus file holds an exact copy of a deleted article, that copy is indexed in
        its place, as when a file is deleted."""
        return self._from_memory("delete", delete=_ids(ids), replace=False, wait=wait,
                                 alerts=False, settings=settings)

    def _from_memory(self, kind: str, *, articles: Iterable[Article] = (),
                     delete: Sequence[str] = (), replace: bool, wait: float, alerts: bool,
                     settings: WriteSettings | None) -> IndexRun:
        from .indexing.indexer import WriteSettings, run_memory
        from .ingest import IngestOptions

        run = run_memory(self.index_dir, articles=articles, delete=delete, replace=replace,
                         create=False, kind=kind, ingest=IngestOptions(), wait=wait,
                         settings=settings or WriteSettings())
        if alerts:
            self._deliver_after(run)
        return run

    # -- from files
    def index(self, paths: str | os.PathLike[str] | Sequence[str | os.PathLike[str]], *,
              ingest: IngestOptions | None = None, wait: float = 0.0,
              progress: Progress | None = None, should_stop: ShouldStop | None = None,
              settings: WriteSettings | None = None, alerts: bool = True) -> IndexRun:
        """`news-search index PATH...`: add new and update changed articles under `paths`,
        which become corpus roots for `reindex`. Then saved searches are delivered
        (`alerts=False`: not now). A missing path is in `run.errors`, not raised, so
        the other paths are still indexed; the CLI exits 2 on it."""
        from .indexing import index_paths
        from .ingest import IngestOptions

        if isinstance(paths, (str, os.PathLike)):
            paths = [paths]
        run = index_paths(self.index_dir, list(paths), ingest=ingest or IngestOptions(),
                          wait=wait, progress=progress, should_stop=should_stop,
                          settings=settings)
        if alerts:
            self._deliver_after(run)
        return run

    def reindex(self, *, full: bool = False, allow_shrink: bool = False,
                drop_missing_roots: bool = False, ingest: IngestOptions | None = None,
                wait: float = 0.0, progress: Progress | None = None,
                should_stop: ShouldStop | None = None, settings: WriteSettings | None = None,
                alerts: bool = True) -> IndexRun:
        """`news-search reindex [--full]`: rescan the corpus roots (add, update, delete).

        `full=True` rebuilds into a new generation and switches to it only if it lost
        nothing (RebuildRefusedError otherwise: a missing root, or over 10% fewer
        articles; `allow_shrink` / `drop_missing_roots` accept those). Articles added
        from memory are kept either way. Then saved searches are delivered."""
        from .indexing import reindex
        from .ingest import IngestOptions

        if (allow_shrink or drop_missing_roots) and not full:
            raise SearchOptionError("allow_shrink and drop_missing_roots go with full=True")
        run = reindex(self.index_dir, full=full, ingest=ingest or IngestOptions(), wait=wait,
                      progress=progress, should_stop=should_stop, settings=settings,
                      allow_shrink=allow_shrink, drop_missing_roots=drop_missing_roots)
        if alerts:
            self._deliver_after(run)
        return run

    def _deliver_after(self, run: IndexRun) -> None:
        """Saved searches see what a run changed. A completed or interrupted run only (a
        failed one raised); a delivery failure is kept in `run.delivery_error`, not
        raised: the articles are indexed, and the next delivery catches up."""
        from .errors import NewsSearchError

        if run.outcome not in ("ok", "interrupted"):
            return
        try:
            run.deliveries = self.alerts.deliver(run)
        except NewsSearchError as exc:
            run.delivery_error = str(exc)

    # -- reading
    def stats(self, runs: int = 1) -> dict[str, Any]:
        """What `news-search stats --json` prints: articles, size, roots, sources, the last
        `runs` indexing runs, and the scheduler's state (None when none ever ran).

        Read-only and lock-free: it can run while a writer works."""
        from .indexing import index_stats
        from .schedule import read_state

        st = index_stats(self.index_dir, last_runs=runs)
        st["scheduler"] = read_state(self.index_dir)
        return st

    @property
    def alerts(self) -> "Alerts":
        """The index's saved searches (`news-search alerts ...`), run by this index's searches."""
        return Alerts(self)


@dataclass(frozen=True)
class AlertStatus:
    """A saved search with what it has done: the rows of `news-search alerts list --json`."""

    alert: SavedSearch
    delivered: int  # articles delivered so far
    notify_status: dict[str, Any] | None  # the last notify attempt: {"state", "error"}

    @property
    def failing(self) -> bool:
        """True when the last notify command failed: it is retried, but someone should look."""
        return bool(self.notify_status and self.notify_status.get("state") == "failed")

    def to_dict(self) -> dict[str, Any]:
        return {**self.alert.to_dict(), "delivered": self.delivered,
                "notify_status": self.notify_status}


class Alerts:
    """Saved searches of one index: run against every new or changed article after each
    write, new matches appended to `<index>/alerts/NAME.jsonl`, each at most once.

    Made by `NewsIndex.alerts`: the saved searches run through that `NewsIndex` (its
    one searcher serves them all), so search/schedule/ never opens an index itself."""

    def __init__(self, index: SearchableIndex):
        self._index = index
        self.index_dir = Path(index.index_dir)

    def add(self, name: str, query: str, *, sources: Sequence[str] = (),
            sections: Sequence[str] = (), languages: Sequence[str] = (),
            notify: str | None = None) -> SavedSearch:
        """Save a search; it reports articles indexed from now on (never the archive).

        The query is checked now (QueryError), and `notify`'s program must exist
        (AlertError), so a bad alert fails here rather than at every delivery."""
        from .schedule.alerts import SavedSearch
        from .schedule.delivery import create_alert

        alert = SavedSearch(name=name, query=query, sources=tuple(_listed(sources)),
                            sections=tuple(_listed(sections)),
                            languages=tuple(_listed(languages)), notify=notify)
        create_alert(self._index, alert)
        return alert

    def list(self) -> list[AlertStatus]:
        """Every saved search with its delivered count and last notify outcome."""
        from .schedule.alerts import load_alerts, notify_status
        from .schedule.delivery import delivered_ids

        return [AlertStatus(a, len(delivered_ids(self.index_dir, a.name)),
                            notify_status(self.index_dir, a.name) if a.notify else None)
                for a in load_alerts(self.index_dir)]

    def remove(self, name: str) -> None:
        """Forget a saved search (AlertError if none); its delivered file is kept aside."""
        from .schedule.alerts import remove_alert

        remove_alert(self.index_dir, name)

    def deliver(self, run: IndexRun | None = None) -> list[Delivery]:
        """Deliver what arrived since the last delivery: one `Delivery` per saved search.

        Writing methods call this themselves; call it after a write made with
        `alerts=False`. Never delivers an article twice, whoever calls it."""
        from .schedule.delivery import deliver_alerts

        return deliver_alerts(self._index, run)

    def show(self, name: str, since: str | datetime | None = None) -> list[dict[str, Any]]:
        """What an alert delivered, oldest first (the records of `alerts show --json`).

        `since`: a datetime, or text as `alerts show --since` reads it (an ISO date or
        an age such as 24h or 7d)."""
        from .indexing.durable import read_jsonl
        from .schedule.alerts import delivered_file, get_alert
        from .schedule.timing import parse_since

        get_alert(self.index_dir, name)
        if isinstance(since, datetime):
            cutoff: datetime | None = since if since.tzinfo else since.replace(tzinfo=timezone.utc)
        else:
            cutoff = parse_since(since, datetime.now(timezone.utc)) if since else None
        return [r for r in read_jsonl(delivered_file(self.index_dir, name))
                if cutoff is None or _delivered_at(r) >= cutoff]


def _listed(values: str | Sequence[str]) -> list[str]:
    return [values] if isinstance(values, str) else [v for v in values if v]


def _delivered_at(record: dict[str, Any]) -> datetime:
    try:
        return datetime.fromisoformat(str(record.get("delivered", "")).replace("Z", "+00:00"))
    except ValueError:
        return datetime.min.replace(tzinfo=timezone.utc)


__all__ = ["IndexWriting", "Alerts", "AlertStatus", "prepare_article"]
