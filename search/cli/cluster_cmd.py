"""`news-search cluster create|status`, and the `--cluster`/`--allow-partial` options that
`index` and `query` take for a sharded archive (search/cluster/, the `cluster` extra).

An `--index-dir` holding a sharded archive (news-search-archive.json) is used as one:
its manifest may name the Ray address, `--cluster ADDRESS` overrides it. Ray is imported
only then, so the base install and its commands never need it.
"""
from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Any

import click

from .common import (
    EXIT_ERROR,
    EXIT_MATCH,
    echo_check_findings,
    echo_check_outcome,
    index_dir_option,
    report_deliveries,
    reports_errors,
    skip_summary,
)

ARCHIVE_FILE = "news-search-archive.json"  # search/cluster/archive.py (not imported: lean)


def is_archive(index_dir: str) -> bool:
    return os.path.isfile(os.path.join(index_dir, ARCHIVE_FILE))


def cluster_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """--cluster ADDRESS and --allow-partial, passed on as `cluster` and `allow_partial`."""
    fn = click.option("--allow-partial", is_flag=True,
                      help="Sharded archive: answer from the shards that answer, flagged partial, "
                           "when some are down (else exit 2 naming them).")(fn)
    return click.option("--cluster", "cluster", metavar="ADDRESS", default=None,
                        help="Ray cluster of a sharded archive (host:port from `ray start --head`); "
                             "default: the archive's manifest, else $RAY_ADDRESS.")(fn)


def wants_cluster(index_dir: str, cluster: str | None, allow_partial: bool) -> bool:
    if (cluster or allow_partial) and not is_archive(index_dir):
        raise click.UsageError(f"--cluster and --allow-partial need a sharded archive: {index_dir} "
                               f"has no {ARCHIVE_FILE} (create one with `news-search cluster create`)")
    return is_archive(index_dir)


def open_archive(index_dir: str, cluster: str | None = None, allow_partial: bool = False) -> Any:
    from ..cluster.client import ClusterIndex

    return ClusterIndex.open(index_dir, address=cluster, allow_partial=allow_partial)


def partial_note(res: Any) -> str | None:
    if not getattr(res, "partial", False):
        return None
    return (f"note: partial results: shard(s) {', '.join(res.missing_shards)} did not answer; "
            f"their articles are missing from the matches, totals and facets")


def index_archive(index_dir: str, paths: tuple[str, ...] | None, cluster: str | None, quiet: bool,
                  as_json: bool, ingest: Any, wait: float = 0.0) -> None:
    """`news-search index PATH... --index-dir ARCHIVE` (the distributed build), or with no
    paths `reindex` (the recorded roots again, gone articles deleted). Exits."""
    import time

    started = time.monotonic()
    with open_archive(index_dir, cluster) as ix:
        report = ix.index(list(paths), ingest=ingest, wait=wait) if paths is not None else \
            ix.reindex(ingest=ingest, wait=wait)
    _finish_run(report, quiet, as_json,
                f"{report.added} added, {report.updated} updated, {report.deleted} deleted, "
                f"{report.unchanged} unchanged, "
                f"{len(report.skipped)} skipped from {report.files} file(s) into "
                f"{len(report.per_shard)} shard(s) in {time.monotonic() - started:.1f}s")


def _finish_run(report: Any, quiet: bool, as_json: bool, summary: str) -> None:
    """An archive run's report (JSON on stdout, or `summary`, the skips and errors on
    stderr), its alert deliveries, and its exit status. Exits."""
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False))
    elif not quiet:
        click.echo(summary, err=True)
        if report.skipped:
            click.echo(skip_summary(report.skipped), err=True)
        for error in report.errors:
            click.echo(f"error: {error}", err=True)
    report_deliveries(report)
    raise SystemExit(EXIT_ERROR if report.errors else EXIT_MATCH)


def check_archive_command(index_dir: str, repair: bool, allow_shrink: bool, as_json: bool,
                          cluster: str | None = None) -> None:
    """`news-search check [--repair] --index-dir ARCHIVE`: every shard, read from its folder
    (no Ray unless a repair is needed). Exits 0 when whole (or mended), 2 otherwise."""
    from ..cluster.check import check_archive, repair_archive, report_json

    result = (repair_archive(index_dir, address=cluster, allow_shrink=allow_shrink) if repair
              else check_archive(index_dir))
    if as_json:
        click.echo(report_json(result))
    else:
        click.echo(f"archive:   {result.index_dir} ({len(result.shards)} shards)")
        for name, r in result.shards.items():
            click.echo(f"{name + ':':<11}{r.generation or '-'}: {r.segments} segment(s), "
                       f"{r.articles:,} articles, {r.terms:,} terms, {r.postings:,} postings")
            echo_check_findings(r, f"{name}: ")
        echo_check_outcome(result, "shard")
    if result.ok or result.mended:
        raise SystemExit(EXIT_MATCH)
    if not repair:
        click.echo(f"news-search: error: shard(s) {', '.join(result.damaged)} of the archive are "
                   f"damaged: run `news-search check --repair`", err=True)
    raise SystemExit(EXIT_ERROR)


def rebuild_archive(index_dir: str, quiet: bool, as_json: bool, ingest: Any, wait: float,
                    allow_shrink: bool, drop_missing_roots: bool) -> None:
    """`news-search reindex --full --index-dir ARCHIVE`: every shard rebuilt into a new
    generation from the corpus roots (search/cluster/rebuild.py). Exits."""
    import time

    started = time.monotonic()
    with open_archive(index_dir) as ix:
        report = ix.reindex(full=True, ingest=ingest, wait=wait, allow_shrink=allow_shrink,
                            drop_missing_roots=drop_missing_roots)
    _finish_run(report, quiet, as_json,
                f"reindex --full: {report.added} articles rebuilt into "
                f"{len(report.per_shard)} shard(s), {len(report.skipped)} skipped from "
                f"{report.files} file(s) in {time.monotonic() - started:.1f}s")


@click.group("cluster")
def cluster_group() -> None:
    """A sharded archive on a Ray cluster (needs `pip install 'news-search[cluster]'`).

    \b
    Examples:
      ray start --head                                   # prints the address
      news-search cluster create archive/ --shards 4 --address HOST:6379
      news-search index corpus/ --index-dir archive/     # parsed by Ray tasks
      news-search query oil --index-dir archive/ --allow-partial
      news-search cluster status --index-dir archive/
    """


@cluster_group.command("create")
@click.argument("archive_dir", metavar="ARCHIVE")
@click.option("--shards", type=click.IntRange(1, 1024), default=4, show_default=True,
              help="Shard indexes (articles are routed by a hash of their id).")
@click.option("--address", default=None, metavar="HOST:PORT",
              help="The Ray cluster to record in the manifest (default: $RAY_ADDRESS or local).")
@click.option("--shard-timeout", type=click.FloatRange(min=0.1), default=30.0, show_default=True,
              help="Seconds a shard may take to answer one phase of a query.")
@reports_errors
def create_command(archive_dir: str, shards: int, address: str | None, shard_timeout: float) -> None:
    """Create an empty sharded archive: a manifest and SHARDS empty shard indexes."""
    from ..cluster.archive import create_archive

    archive = create_archive(archive_dir, shards, address=address, shard_timeout=shard_timeout)
    click.echo(f"created {archive.root} with {len(archive.shards)} shards ({archive.name})", err=True)


@cluster_group.command("status")
@index_dir_option
@click.option("--cluster", "cluster", metavar="ADDRESS", default=None, help="Ray cluster address.")
@click.option("--json", "as_json", is_flag=True, help="One JSON document.")
@reports_errors
def status_command(index_dir: str, cluster: str | None, as_json: bool) -> None:
    """Each shard: articles, node and process, or why it is down (exit 2 if one is)."""
    with open_archive(index_dir, cluster) as ix:
        shards = ix.status()
    if as_json:
        click.echo(json.dumps({"archive": str(ix.index_dir), "shards": shards}))
    else:
        for s in shards:
            if s.get("down"):
                click.echo(f"{s['shard']}: down ({s['down']})")
            else:
                click.echo(f"{s['shard']}: {s['articles']:,} articles, node {s['node'][:12]}, "
                           f"pid {s['pid']}")
    raise SystemExit(EXIT_ERROR if any(s.get("down") for s in shards) else EXIT_MATCH)


COMMANDS = [cluster_group]
