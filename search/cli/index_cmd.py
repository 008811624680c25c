"""`news-search index`, `reindex` and `stats`: thin wrappers over `NewsIndex` (search/library.py).

The policy (locking, alert delivery after a write, the scheduler entry in stats)
lives in the library; this module only turns options into calls and records
into lines and exit statuses."""
from __future__ import annotations

import json
import sys
import time
from typing import Any

import click

from ..ingest import IngestOptions
from .common import (
    EXIT_ERROR,
    EXIT_MATCH,
    echo_check_findings,
    echo_check_outcome,
    index_dir_option,
    ingest_options,
    report_deliveries,
    reports_errors,
    skip_summary,
    style,
)

_wait_option = click.option(
    "--wait", type=click.FloatRange(min=0), default=0.0, show_default=True, metavar="SECONDS",
    help="Wait this long for another writer to finish, then fail with status 2.")
_quiet_option = click.option("--quiet", "-q", is_flag=True,
                             help="Print nothing but errors (no progress, no summary).")
_verbose_option = click.option("--verbose", "-v", is_flag=True,
                               help="List every skipped file with its reason (else one line per reason).")
_json_option = click.option("--json", "as_json", is_flag=True,
                            help="Print the run record as JSON on stdout.")
_batch_option = click.option(
    "--batch-size", type=click.IntRange(min=1), default=5000, show_default=True,
    help="Articles per durable commit: a crash loses at most one batch; bounds memory.")


def _writer_options(fn):
    """The options every writing command (`index`, `reindex`) takes, and its error handling."""
    for decorate in reversed((index_dir_option, _wait_option, _quiet_option, _verbose_option,
                              _json_option, _batch_option, ingest_options, reports_errors)):
        fn = decorate(fn)
    return fn


class _Progress:
    """click's progress bar on stderr, by bytes of the files read (inside archives too),
    with articles, their rate and the ETA; only when stderr is a terminal."""

    def __init__(self, enabled: bool):
        self.enabled = enabled and sys.stderr.isatty()
        self.start = time.monotonic()
        self.bar: Any = None
        self.shown = 0
        self.label = ""

    def __call__(self, p) -> None:
        if not self.enabled or not p.bytes_total:
            return
        if self.bar is None:
            self.bar = click.progressbar(length=p.bytes_total, file=sys.stderr, show_eta=True,
                                         show_percent=True, width=24,
                                         item_show_func=lambda _: self.label)
            self.bar.__enter__()
        rate = p.articles / max(time.monotonic() - self.start, 1e-6)
        self.label = (f"{p.files_done:,}/{p.files_total:,} files  {p.articles:,} articles  "
                      f"{rate:,.0f}/s")
        step = p.bytes_done - self.shown
        if step > 0:
            self.bar.update(step)
            self.shown = p.bytes_done
        else:
            self.bar.render_progress()

    def done(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


def _settings(batch_size: int):
    from ..indexing import WriteSettings

    return WriteSettings(batch_size=batch_size)


def _report(run, quiet: bool, as_json: bool, seconds: float, verbose: bool = False) -> None:
    if verbose:
        for skip in run.skipped:
            click.echo(f"{skip}", err=True)
    elif run.skipped and not quiet:
        click.echo(f"{skip_summary(run.skipped)} (--verbose lists them)", err=True)
    for error in run.errors:
        click.echo(style(f"news-search: error: {error}", sys.stderr, fg="red"), err=True)
    if as_json:
        click.echo(json.dumps(run.to_dict(), ensure_ascii=False))
    if not quiet:
        line = (f"{run.kind}: {run.outcome}: {run.added:,} added, {run.updated:,} updated, "
                f"{run.deleted:,} deleted, {run.unchanged:,} unchanged, "
                f"{len(run.skipped):,} skipped in {seconds:.1f}s")
        click.echo(style(line, sys.stderr, bold=True), err=True)


def _execute(action: str, quiet: bool, verbose: bool, as_json: bool, index_dir: str,
             create: bool, **kwargs: Any) -> None:
    from ..api import NewsIndex

    progress = _Progress(not quiet and not as_json)
    started = time.monotonic()
    try:
        # check=False: `reindex --full` must rebuild an index it could not search
        # (another schema version, damage).
        with NewsIndex.open(index_dir, create=create, check=False,
                            wait=kwargs["wait"]) as ix:
            run = getattr(ix, action)(progress=progress, **kwargs)
    finally:
        progress.done()
    _report(run, quiet, as_json, time.monotonic() - started, verbose)
    report_deliveries(run)
    # An error (a missing root: an unmounted disk) must not look healthy to cron.
    ok = run.outcome in ("ok", "interrupted") and not run.errors
    sys.exit(EXIT_MATCH if ok else EXIT_ERROR)


@click.command("index")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@_writer_options
@click.option("--cluster", "cluster", metavar="ADDRESS", default=None,
              help="Ray cluster of a sharded archive (default: the archive's manifest).")
def index_command(paths: tuple[str, ...], index_dir: str, wait: float, quiet: bool,
                  verbose: bool, as_json: bool, batch_size: int, ingest: IngestOptions,
                  cluster: str | None = None) -> None:
    """Add new articles under PATH... to the index and update changed ones.

    Creates the index if there is none. Unchanged files are not read again;
    the paths are recorded as corpus roots for `reindex`. Skipped files are
    counted by reason on stderr (--verbose lists each: path: reason); the exit
    status is still 0.

    \b
    Examples:
      news-search index corpus/
      news-search index ~/archives/bbc.tar.gz --index-dir ~/news-index
      news-search index feeds/ --wait 30 --quiet      # from cron
      news-search index test.csv --csv-columns section,headline,body --json
      news-search index corpus/ --index-dir archive/  # a sharded archive: Ray tasks read
    """
    from .cluster_cmd import index_archive, wants_cluster

    if wants_cluster(index_dir, cluster, False):
        index_archive(index_dir, paths, cluster, quiet, as_json, ingest, wait)  # exits
    _execute("index", quiet, verbose, as_json, index_dir=index_dir, create=True,
             paths=list(paths), ingest=ingest, wait=wait, settings=_settings(batch_size))


@click.command("reindex")
@click.option("--full", is_flag=True,
              help="Rebuild everything into a new generation and switch to it atomically.")
@click.option("--allow-shrink", is_flag=True,
              help="With --full: publish the rebuild even if it has over 10% fewer articles.")
@click.option("--drop-missing-roots", is_flag=True,
              help="With --full: forget corpus roots that no longer exist (and their articles).")
@_writer_options
def reindex_command(full: bool, allow_shrink: bool, drop_missing_roots: bool, index_dir: str,
                    wait: float, quiet: bool, verbose: bool, as_json: bool, batch_size: int,
                    ingest: IngestOptions) -> None:
    """Rescan the recorded corpus roots: add new, update changed, delete gone articles.

    With no change on disk it only compares file sizes and times. --full
    re-reads everything into a new index generation; searches keep using the
    old one until the new one is complete (also the way to upgrade an index
    built with another schema version). A rebuild that lost articles (a root
    missing, or over 10% fewer articles) is not published: exit status 2, the
    current generation stays.

    \b
    Examples:
      news-search reindex
      news-search reindex --json | jq '.added, .deleted'
      news-search reindex --full --index-dir ~/news-index
      news-search reindex --full --drop-missing-roots   # after removing a corpus folder
    """
    if (allow_shrink or drop_missing_roots) and not full:
        raise click.UsageError("--allow-shrink and --drop-missing-roots go with --full")
    from .cluster_cmd import index_archive, is_archive

    if is_archive(index_dir):  # a sharded archive: Ray tasks read the recorded roots again
        if full:
            from .cluster_cmd import rebuild_archive

            rebuild_archive(index_dir, quiet, as_json, ingest, wait, allow_shrink,
                            drop_missing_roots)  # exits
        index_archive(index_dir, None, None, quiet, as_json, ingest, wait)  # exits
    _execute("reindex", quiet, verbose, as_json, index_dir=index_dir, create=False, full=full,
             ingest=ingest, wait=wait, settings=_settings(batch_size), allow_shrink=allow_shrink,
             drop_missing_roots=drop_missing_roots)


def _human_size(n: int) -> str:
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:,.1f} {unit}" if unit != "B" else f"{n} B"
        size /= 1024
    return f"{n} B"


@click.command("stats")
@index_dir_option
@click.option("--json", "as_json", is_flag=True, help="Print the statistics as JSON.")
@click.option("--runs", type=click.IntRange(min=0), default=1, show_default=True,
              help="How many of the last indexing runs to show.")
@reports_errors
def stats_command(index_dir: str, as_json: bool, runs: int) -> None:
    """Show what the index holds and how the last indexing run went.

    \b
    Examples:
      news-search stats
      news-search stats --json | jq .per_source
      news-search stats --runs 5
    """
    from .cluster_cmd import is_archive

    if is_archive(index_dir):  # a sharded archive: its shards summed (no Ray needed)
        from ..cluster.stats import archive_stats

        st = archive_stats(index_dir, last_runs=runs)
    else:
        from ..api import NewsIndex

        with NewsIndex.open(index_dir, check=False) as ix:
            st = ix.stats(runs=runs)
    if as_json:
        click.echo(json.dumps(st, ensure_ascii=False, indent=2))
        return
    if "shards" in st:
        click.echo(f"archive:        {st['index_dir']} ({st['archive']}, {len(st['shards'])} "
                   f"shards, schema {st['schema_version']})")
    else:
        click.echo(f"index:          {st['index_dir']} ({st['generation']}, schema "
                   f"{st['schema_version']})")
    click.echo(f"articles:       {st['articles']:,}")
    click.echo(f"size on disk:   {_human_size(st['size_bytes'])}")
    first, last = st["published_first"], st["published_last"]
    click.echo(f"published:      {first[:10] + ' .. ' + last[:10] if first and last else '-'}")
    click.echo("corpus roots:   " + (("\n" + " " * 16).join(st["roots"]) or "-"))
    click.echo("per source:")
    for source, count in st["per_source"].items():
        click.echo(f"  {source:<24}{count:>10,}")
    if "shards" in st:
        click.echo("per shard:")
        for row in st["shards"]:
            click.echo(f"  {row['shard']:<24}{row['articles']:>10,}  {_human_size(row['size_bytes'])}"
                       f"  {row['generation']}")
    for run in st["last_runs"]:
        skipped = run.get("skipped_count", len(run.get("skipped") or []))
        click.echo(f"last run:       {run['kind']} {run['outcome']} at {run['started'][:19]}Z, "
                   f"{_duration(run)}: {run['added']:,} added, {run['updated']:,} updated, "
                   f"{run['deleted']:,} deleted, {run['unchanged']:,} unchanged, {skipped:,} skipped, "
                   f"{len(run.get('errors') or [])} errors")
        for error in run.get("errors") or []:
            click.echo(f"  error: {error}")
    sched = st["scheduler"]
    if sched:
        how = sched.get("schedule") or {}
        every = (f"every {how['every']}" if "every" in how else
                 f"cron {how['cron']}" if "cron" in how else "once")
        if sched.get("alive"):
            click.echo(f"scheduler:      {every}, pid {sched.get('pid')} on {sched.get('host')}, "
                       f"next run {sched.get('next_due') or '-'}")
        else:
            click.echo(f"scheduler:      not running (last: {every}, {sched.get('state')} "
                       f"{sched.get('updated') or ''})")


@click.command("check")
@index_dir_option
@click.option("--repair", is_flag=True,
              help="If damaged, rebuild from the corpus roots (never publishing lost articles).")
@click.option("--allow-shrink", is_flag=True,
              help="With --repair: rebuild even if articles that exist only in the damaged index "
                   "(added from Python) cannot be carried over.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@reports_errors
def check_command(index_dir: str, repair: bool, allow_shrink: bool, as_json: bool) -> None:
    """Read every file of the index back and report any damage; --repair mends it.

    Exit status 0 when the index reads back whole (or was repaired), 2 when
    damage remains. Nothing is changed without --repair.

    \b
    Examples:
      news-search check
      news-search check --repair --index-dir /srv/news/index
      news-search check --json | jq .problems
    """
    from .cluster_cmd import check_archive_command, is_archive

    if is_archive(index_dir):  # every shard of a sharded archive
        check_archive_command(index_dir, repair, allow_shrink, as_json)  # exits
    from ..indexing.check import check_index, repair_index, report_json

    report = (repair_index(index_dir, allow_shrink=allow_shrink) if repair
              else check_index(index_dir))
    if as_json:
        click.echo(report_json(report))
    else:
        click.echo(f"index:     {report.index_dir} ({report.generation or '-'})")
        click.echo(f"read:      {report.segments} segment(s), {report.articles:,} articles, "
                   f"{report.terms:,} terms, {report.postings:,} postings")
        echo_check_findings(report)
        echo_check_outcome(report, "file")
    if report.ok or report.mended:
        sys.exit(EXIT_MATCH)
    if not repair:
        click.echo("news-search: error: the index is damaged: run `news-search check --repair`",
                   err=True)
    sys.exit(EXIT_ERROR)


def _duration(run: dict) -> str:
    from datetime import datetime

    if not run.get("finished"):
        return "unfinished"
    seconds = (datetime.fromisoformat(run["finished"]) - datetime.fromisoformat(run["started"]))
    return f"{seconds.total_seconds():.1f}s"


COMMANDS = [index_command, reindex_command, stats_command, check_command]
