"""What every command shares: the index location, exit codes, errors, colour.

Conventions (as in good search CLIs): results on stdout, progress and
summaries on stderr; exit 0 when something matched, 1 when nothing did, 2 on
error; colour only on a terminal and never when NO_COLOR is set.
"""
from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from typing import Any

import click

from ..errors import NewsSearchError

EXIT_MATCH, EXIT_NO_MATCH, EXIT_ERROR = 0, 1, 2


def default_index_dir() -> str:
    return os.environ.get("NEWS_SEARCH_INDEX") or "index"


index_dir_option = click.option(
    "--index-dir", "index_dir", type=click.Path(file_okay=False), default=default_index_dir,
    show_default="$NEWS_SEARCH_INDEX, else ./index", help="Where the index lives.")


def fail(message: str, code: int = EXIT_ERROR) -> None:
    click.echo(f"news-search: error: {message}", err=True)
    sys.exit(code)


def debugging() -> bool:
    """`news-search --debug ...` or NEWS_SEARCH_DEBUG=1: show tracebacks instead of one line."""
    ctx = click.get_current_context(silent=True)
    root = ctx.find_root() if ctx else None
    return bool(root and isinstance(root.obj, dict) and root.obj.get("debug")) or \
        os.environ.get("NEWS_SEARCH_DEBUG") == "1"


def reports_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn our documented errors into one line on stderr and exit status 2."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except NewsSearchError as exc:
            if debugging():
                raise
            fail(str(exc))
        except KeyboardInterrupt:
            fail("interrupted", 130)

    return wrapper


def use_color(stream=None) -> bool:
    stream = stream or sys.stdout
    if os.environ.get("NO_COLOR"):
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


def style(text: str, stream=None, **kw: Any) -> str:
    return click.style(text, **kw) if use_color(stream) else text


def _parse_columns(ctx, param, value: str | None) -> tuple[str, ...] | None:
    if not value:
        return None
    cols = tuple(c.strip().lower() for c in value.split(","))
    if not all(cols):
        raise click.BadParameter("give column names separated by commas, e.g. section,headline,body")
    return cols


# The archive limits of `IngestOptions` (search/ingest/options.py documents each default).
_LIMIT_OPTIONS = (
    ("--max-depth", "max_depth", "Read archives nested at most this deep (a file on disk is 1)."),
    ("--max-archive-bytes", "max_archive_bytes",
     "Stop reading an archive once it has decompressed this many bytes, nested ones included."),
    ("--max-run-bytes", "max_run_bytes", "Stop reading archives once the run has decompressed this many bytes."),
    ("--max-ratio", "max_ratio", "Stop reading an archive that expands to over this many times its size."),
    ("--max-members", "max_members", "Stop reading an archive with more members than this."),
    ("--max-name-chars", "max_name_chars", "Skip archive members whose names are longer than this."),
)


def ingest_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """--max-bytes, --csv-columns, the archive limits and --follow-links, turned into an
    `IngestOptions` argument `ingest`. Imported here, by the commands that read files: the
    ingest options' dataclass is ~1.5 ms of a cold `news-search query`, which reads none."""
    from ..ingest.options import DEFAULT_MAX_BYTES, IngestOptions

    defaults = IngestOptions()

    @functools.wraps(fn)
    def wrapper(*args: Any, max_bytes: int, csv_columns: tuple[str, ...] | None, follow_links: bool,
                **kwargs: Any) -> Any:
        limits = {name: kwargs.pop(name) for _, name, _ in _LIMIT_OPTIONS}
        kwargs["ingest"] = IngestOptions(max_bytes=max_bytes, csv_columns=csv_columns,
                                         follow_links=follow_links, **limits)
        return fn(*args, **kwargs)

    wrapper = click.option("--follow-links", is_flag=True, help="Read symlinks that lead outside "
                           "the corpus root (reported and not read otherwise).")(wrapper)
    for flag, name, text in reversed(_LIMIT_OPTIONS):
        wrapper = click.option(flag, name, type=click.IntRange(min=1), default=getattr(defaults, name),
                               show_default=True, help=text)(wrapper)
    wrapper = click.option("--csv-columns", callback=_parse_columns, metavar="COLS", help="Column "
                           "names for headerless CSV, e.g. 'section,headline,body' (AG News).")(wrapper)
    return click.option("--max-bytes", type=click.IntRange(min=1), default=DEFAULT_MAX_BYTES,
                        show_default=True, help="Skip files (and archive members) larger than this.")(wrapper)


def skip_kind(reason: str) -> str:
    """The kind of a skip reason, without its particulars: "exact duplicate of a/b.txt" and
    "exact duplicate of c.txt" are one kind (BBC has 98 of them: one summary line, not 98)."""
    for cut in (" of ", ": ", " (", " ["):
        reason = reason.split(cut, 1)[0]
    return reason.strip() or "other"


def skip_summary(skipped) -> str:
    """"skipped: 98 exact duplicate; 1 no article": one line per run, for index, reindex and
    an archive's build alike."""
    counts: dict[str, int] = {}
    for skip in skipped:
        kind = skip_kind(skip.reason)
        counts[kind] = counts.get(kind, 0) + 1
    parts = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return "skipped: " + "; ".join(f"{n:,} {kind}" for kind, n in parts)


def report_deliveries(run: Any) -> None:
    """What the library's alert delivery after an indexing run did (NewsIndex and
    ClusterIndex deliver it): on stderr, one line per alert with news or an error."""
    if run.delivery_error:
        click.echo(f"news-search: alerts not delivered: {run.delivery_error}", err=True)
    for d in run.deliveries:
        if d.error:
            click.echo(f"alert {d.alert}: error: {d.error}", err=True)
        elif d.new:
            click.echo(f"alert {d.alert}: {len(d.new)} new match(es)", err=True)


def echo_check_findings(report: Any, label: str = "") -> None:
    """A check report's damage and notes, one line each (`label`: "shard-01: " on an archive)."""
    for problem in report.problems:
        click.echo(f"damaged:   {label}{problem}")
    for note in report.notes:
        click.echo(f"note:      {label}{note}")


def echo_check_outcome(report: Any, whole: str) -> None:
    """What a repair did and, when nothing is damaged, that every `whole` reads back."""
    for line in report.repaired:
        click.echo(f"repaired:  {line}")
    for problem in report.still_damaged:
        click.echo(f"repaired:  still damaged: {problem}")
    if report.ok:
        click.echo(f"ok:        every {whole} reads back whole")
