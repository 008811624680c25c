"""`news-search schedule` and `news-search alerts ...`: unattended reindexing and saved searches."""
from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

import click

from ..ingest import IngestOptions
from .common import (
    EXIT_ERROR,
    EXIT_MATCH,
    EXIT_NO_MATCH,
    fail,
    index_dir_option,
    ingest_options,
    reports_errors,
    style,
)

if TYPE_CHECKING:
    from ..library import Alerts


def _alerts(index_dir: str) -> Alerts:
    """The saved searches of the index at `index_dir`, run through a `NewsIndex` that opens
    the index only when a search runs (`alerts list` beside no index lists none); on a
    sharded archive, through its `ClusterIndex`, connected to Ray only when a search runs."""
    from .cluster_cmd import is_archive

    if is_archive(index_dir):
        from ..cluster.alerting import ArchiveForAlerts
        from ..library import Alerts

        return Alerts(ArchiveForAlerts(index_dir))
    from ..api import NewsIndex

    return NewsIndex(None, index_dir=index_dir).alerts


@click.command()
@index_dir_option
@click.option("--every", metavar="INTERVAL", help="Run at this interval: 30s, 15m, 2h, 1d.")
@click.option("--cron", metavar="EXPR", help="Run at these times (local time), e.g. '*/15 * * * *'.")
@click.option("--once", is_flag=True, help="Run one cycle (reindex + alerts) and exit: for cron.")
@click.option("--log", "log_file", type=click.Path(dir_okay=False),
              help="Append the log to FILE instead of stderr.")
@click.option("--wait", type=click.FloatRange(min=0), default=0.0, show_default=True,
              help="Seconds each run waits for another writer's lock before it is skipped.")
@ingest_options
@reports_errors
def schedule(index_dir: str, every: str | None, cron: str | None, once: bool,
             log_file: str | None, wait: float, ingest: IngestOptions) -> None:
    """Reindex the recorded corpus roots on a schedule, in the foreground.

    Each run picks up new, changed and deleted files (like `reindex`), then
    delivers saved-search alerts; one log line per run. Runs never overlap:
    a due time that passes during a run is skipped and logged. SIGTERM or
    SIGINT stops after the current batch commits (exit 0). Only one scheduler
    may run per index (a second one exits with status 2).

    \b
    Examples:
      news-search schedule --every 15m
      news-search schedule --cron '*/15 * * * *' --log /var/log/news-search.log
      news-search schedule --once             # one cycle, for crontab
      news-search schedule --every 15m --index-dir archive/   # a sharded archive (Ray)
    """
    from ..schedule.runlog import RunLog
    from ..schedule.scheduler import Scheduler
    from ..schedule.timing import Schedule

    if once and not (every or cron):
        plan = Schedule()
    else:
        plan = Schedule.from_options(every, cron)
    try:
        log = RunLog(log_file)
    except OSError as exc:
        fail(f"cannot open the log file {log_file}: {exc.strerror or exc}")
    sched = Scheduler(index_dir, plan, log, ingest=ingest, wait=wait)
    sched.acquire()
    try:
        sched.install_signals()
        if once:
            result = sched.run_cycle()
            failed = not result.ok or any(d.error for d in result.deliveries)
            sys.exit(EXIT_ERROR if failed else EXIT_MATCH)
        sched.run_forever()
    finally:
        sched.release()
        log.close()


@click.group()
def alerts() -> None:
    """Saved searches, run against every new or changed article after each reindex.

    New matches are appended as JSON Lines to <index-dir>/alerts/NAME.jsonl
    (and piped to --notify's command), each article at most once per alert.

    \b
    Examples:
      news-search alerts add belarus 'Lukashenko OR Minsk' --source rferl
      news-search alerts add energy 'gas pipeline' --notify 'mail -s "news: energy" me@example.org'
      news-search alerts list
      news-search alerts show belarus --since 7d
      news-search alerts remove belarus
    """


@alerts.command("add")
@click.argument("name")
@click.argument("query")
@click.option("--source", "sources", multiple=True, help="Only articles from this source (repeatable).")
@click.option("--section", "sections", multiple=True, help="Only this section (repeatable).")
@click.option("--language", "languages", multiple=True, help="Only this language (repeatable).")
@click.option("--notify", metavar="CMD",
              help="Shell command that gets each delivery's new matches as JSON Lines on stdin.")
@index_dir_option
@reports_errors
def alerts_add(name: str, query: str, sources: tuple[str, ...], sections: tuple[str, ...],
               languages: tuple[str, ...], notify: str | None, index_dir: str) -> None:
    """Save a search; it will report articles indexed from now on that match QUERY.

    QUERY uses the `news-search query` language.

    \b
    Examples:
      news-search alerts add belarus 'Lukashenko OR Minsk' --source rferl
      news-search alerts add pipelines '"gas pipeline"' --notify 'cat >> ~/pipelines.jsonl'
    """
    _alerts(index_dir).add(name, query, sources=sources, sections=sections, languages=languages,
                          notify=notify)
    click.echo(f"alert {name!r} saved; matches go to {index_dir}/alerts/{name}.jsonl", err=True)


@alerts.command("list")
@click.option("--json", "as_json", is_flag=True, help="A JSON array of the saved searches.")
@index_dir_option
@reports_errors
def alerts_list(as_json: bool, index_dir: str) -> None:
    """List the saved searches and how many articles each has delivered.

    \b
    Examples:
      news-search alerts list
      news-search alerts list --json | jq '.[].name'
    """
    rows = [status.to_dict() for status in _alerts(index_dir).list()]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("no saved searches (add one with: news-search alerts add NAME QUERY)", err=True)
    for r in rows:
        filters = "".join(f" --{flag} {v}" for flag, key in
                          (("source", "sources"), ("section", "sections"), ("language", "languages"))
                          for v in r[key])
        status = r["notify_status"] or {}
        failing = (f" (FAILING: {status.get('error') or 'failed'})"
                   if status.get("state") == "failed" else "")
        click.echo(f"{style(r['name'], bold=True)}\t{r['query']}{filters}\t"
                   f"{r['delivered']} delivered" +
                   (f"\tnotify: {r['notify']}{failing}" if r["notify"] else ""))


@alerts.command("remove")
@click.argument("name")
@index_dir_option
@reports_errors
def alerts_remove(name: str, index_dir: str) -> None:
    """Delete a saved search (its delivered file is kept, renamed *.removed-DATE).

    \b
    Examples:
      news-search alerts remove belarus
    """
    _alerts(index_dir).remove(name)
    click.echo(f"alert {name!r} removed", err=True)


@alerts.command("show")
@click.argument("name")
@click.option("--since", metavar="WHEN", help="Only deliveries since a date, as in `query --since`: "
              "2026-11-21, 'Nov 21 2026', 24h, 2d (today and yesterday, UTC), 1m, yesterday.")
@click.option("--json", "as_json", is_flag=True, help="One JSON array of the delivered articles.")
@click.option("--jsonl", "as_jsonl", is_flag=True, help="One JSON object per delivered article, one a line.")
@index_dir_option
@reports_errors
def alerts_show(name: str, since: str | None, as_json: bool, as_jsonl: bool, index_dir: str) -> None:
    """Print what an alert delivered, oldest first. Exit 1 when nothing was.

    \b
    Examples:
      news-search alerts show belarus
      news-search alerts show belarus --since 24h --json | jq '.[].headline'
      news-search alerts show belarus --since yesterday --jsonl
    """
    records = _alerts(index_dir).show(name, since)
    if as_json and as_jsonl:
        raise click.UsageError("choose one of --json and --jsonl")
    count = 0
    if as_json:
        click.echo("[", nl=False)
    for r in records:
        count += 1
        if as_json:  # one document, written record by record
            click.echo(("," if count > 1 else "") + json.dumps(r, ensure_ascii=False), nl=False)
        elif as_jsonl:
            click.echo(json.dumps(r, ensure_ascii=False))
        else:
            click.echo(f"{r.get('delivered', '')}  {style(r.get('headline') or '', bold=True)}")
            click.echo(f"    {r.get('source') or '-'}  {(r.get('published') or '-')[:10]}  "
                       f"{r.get('url') or r.get('path') or ''}  id {r['id']}")
    if as_json:
        click.echo("]")
    click.echo(f"{count} delivered article(s)", err=True)
    sys.exit(EXIT_MATCH if count else EXIT_NO_MATCH)


@alerts.command("deliver")
@click.option("--json", "as_json", is_flag=True, help="One JSON array, an object per alert.")
@click.option("--jsonl", "as_jsonl", is_flag=True, help="One JSON object per alert, one a line.")
@index_dir_option
@reports_errors
def alerts_deliver(as_json: bool, as_jsonl: bool, index_dir: str) -> None:
    """Deliver now what arrived since the last delivery (after a manual `index`).

    The scheduler does this after every run; nothing is ever delivered twice.

    \b
    Examples:
      news-search index new-articles/ && news-search alerts deliver
      news-search alerts deliver --json | jq '.[] | select(.error)'
    """
    if as_json and as_jsonl:
        raise click.UsageError("choose one of --json and --jsonl")
    deliveries = _alerts(index_dir).deliver()
    if as_json:
        click.echo(json.dumps([d.to_dict() for d in deliveries], ensure_ascii=False))
    for d in deliveries:
        if as_jsonl:
            click.echo(json.dumps(d.to_dict(), ensure_ascii=False))
        elif not as_json:
            click.echo(f"{d.alert}: {len(d.new)} new" + (f", error: {d.error}" if d.error else ""),
                       err=True)
    sys.exit(EXIT_ERROR if any(d.error for d in deliveries) else EXIT_MATCH)


COMMANDS = [schedule, alerts]
