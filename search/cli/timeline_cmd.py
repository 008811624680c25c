"""`news-search timeline`: coverage of a query over time (a thin layer over
`NewsIndex.timeline`, query/timeline.py).

Output: a terminal chart (one line per period: a bar, the matches, the articles
of the period, the share with --normalize; colour only on a terminal without
NO_COLOR), or --json, --csv, or --plot FILE.png|svg (matplotlib, the optional
`plot` extra, imported only for --plot). Exit 0 when something matched, 1 when
nothing did, 2 on error.
"""
from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

import click

from .common import EXIT_MATCH, EXIT_NO_MATCH, index_dir_option, reports_errors, style
from .query_cmd import QueryCommand, _done, _err, _open_index, _query_text

BY_CHOICES = ("day", "week", "month", "year")
SPLIT_CHOICES = ("source", "section")
PLOT_FORMATS = (".png", ".svg")
BAR = "█"
NO_VALUE_LABEL = "(none)"  # a split value for articles without a source / section
_COARSER = {"month": "dated only to the month", "year": "dated only to the year"}


def _value_label(value: str | None) -> str:
    return NO_VALUE_LABEL if value is None else value


def _share_text(share: float | None) -> str:
    return "-" if share is None else f"{100 * share:.2f}%"


def _chart_lines(rows: list[tuple[str, int, int, float | None]], normalize: bool, indent: str = "") -> list[str]:
    """One line per period: label, bar, matches / articles (and the share)."""
    out = sys.stdout
    width = shutil.get_terminal_size((100, 24)).columns
    label_w = max((len(r[0]) for r in rows), default=0)
    count_w = max((len(f"{r[1]:,}") for r in rows), default=1)
    total_w = max((len(f"{r[2]:,}") for r in rows), default=1)
    tail_w = count_w + total_w + 4 + (10 if normalize else 0)
    bar_w = max(10, width - len(indent) - label_w - tail_w - 3)
    values = [(r[3] or 0.0) if normalize else r[1] for r in rows]
    top = max(values, default=0) or 1
    lines = []
    for (text, matching, articles, share), value in zip(rows, values):
        n = round(bar_w * value / top)
        if value and not n:
            n = 1  # a period with a match never looks empty
        bar = style(BAR * n, out, fg="cyan") + " " * (bar_w - n)
        tail = f"{matching:>{count_w},} / {articles:>{total_w},}"
        if normalize:
            tail += f"  {_share_text(share):>8}"
        lines.append(f"{indent}{text:<{label_w}}  {bar}  {tail}")
    return lines


def _print_chart(tl: Any, normalize: bool) -> None:
    what = "share of articles matching" if normalize else "matching articles"
    click.echo(style(f"{tl.query!r} by {tl.by}: {what} (matches / articles in the period)",
                     sys.stdout, bold=True))
    if not tl.split:
        rows = [(p.label, p.matching, p.articles, p.share) for p in tl.periods]
        for line in _chart_lines(rows, normalize):
            click.echo(line)
        return
    for k, value in enumerate(tl.split_values):
        click.echo(style(f"{tl.split}: {_value_label(value)}", sys.stdout, fg="green"))
        rows = [(p.label, p.split[k].matching, p.split[k].articles, p.split[k].share) for p in tl.periods]
        for line in _chart_lines(rows, normalize, indent="  "):
            click.echo(line)


def _summary(tl: Any) -> list[str]:
    """What is on stderr: the total, and every match the periods do not hold."""
    lines = [f"{tl.total:,} match{'es' if tl.total != 1 else ''} in {len(tl.periods):,} "
             f"period{'s' if len(tl.periods) != 1 else ''} by {tl.by}"]
    if tl.undated_matching or tl.undated_articles:
        lines.append(f"note: {tl.undated_matching:,} matches are undated (of {tl.undated_articles:,} "
                     "undated articles): in no period")
    for precision, n in sorted(tl.coarser_matching.items()):
        lines.append(f"note: {n:,} matches are {_COARSER.get(precision, precision)} "
                     f"(of {tl.coarser_articles.get(precision, 0):,} articles): in no {tl.by}; "
                     f"see --by {precision}")
    return lines


def _write_csv(tl: Any) -> None:
    """One row per period (per period and value with --split), then the matches in no
    period: `(undated)` and `(month only)`/`(year only)` rows, with an empty start."""
    import csv

    w = csv.writer(sys.stdout, lineterminator="\n")
    split_col = [tl.split] if tl.split else []
    w.writerow(["period", "start", *split_col, "matching", "articles", "share"])

    def share(x: float | None) -> str:
        return "" if x is None else f"{x:.6f}"

    for p in tl.periods:
        if tl.split:
            for s in p.split:
                w.writerow([p.label, p.start.isoformat(), _value_label(s.value), s.matching,
                            s.articles, share(s.share)])
        else:
            w.writerow([p.label, p.start.isoformat(), p.matching, p.articles, share(p.share)])
    pad = [""] if tl.split else []
    w.writerow(["(undated)", "", *pad, tl.undated_matching, tl.undated_articles, ""])
    for precision, n in sorted(tl.coarser_matching.items()):
        w.writerow([f"({precision} only)", "", *pad, n, tl.coarser_articles.get(precision, 0), ""])


def write_plot(tl: Any, path: Path, normalize: bool) -> None:
    """A bar chart of the timeline (stacked by split value) as PNG or SVG. Each bar carries
    the gid `bar-<period>[-<value>]`, so an SVG names its bars."""
    try:
        import matplotlib
    except ImportError:
        raise click.ClickException("--plot needs matplotlib: pip install 'news-search[plot]'") from None
    matplotlib.use("Agg")  # files only: no display, no GUI toolkit
    import matplotlib.pyplot as plt

    labels = [p.label for p in tl.periods]
    xs = list(range(len(labels)))
    fig, ax = plt.subplots(figsize=(max(6.0, min(24.0, 0.25 * len(labels) + 3)), 4), dpi=100)
    try:
        series = ([(None, [(p.share or 0.0) if normalize else p.matching for p in tl.periods])]
                  if not tl.split else
                  [(v, [(p.split[k].share or 0.0) if normalize else p.split[k].matching
                        for p in tl.periods]) for k, v in enumerate(tl.split_values)])
        bottom = [0.0] * len(xs)
        for value, heights in series:
            bars = ax.bar(xs, heights, bottom=bottom, label=_value_label(value) if tl.split else None)
            for bar, text in zip(bars, labels):
                bar.set_gid(f"bar-{text}" + (f"-{_value_label(value)}" if tl.split else ""))
            bottom = [b + h for b, h in zip(bottom, heights)]
        step = max(1, len(labels) // 24)
        ax.set_xticks(xs[::step])
        ax.set_xticklabels(labels[::step], rotation=60, ha="right", fontsize=8)
        ax.set_ylabel("share of articles" if normalize else "matching articles")
        ax.set_title(f"{tl.query} — by {tl.by}")
        if tl.split:
            ax.legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(path, format=path.suffix.lower()[1:])
    finally:
        plt.close(fig)


@click.command("timeline", cls=QueryCommand)
@click.argument("query_words", metavar="QUERY", nargs=-1, required=True)
@index_dir_option
@click.option("--by", type=click.Choice(BY_CHOICES), default="month", show_default=True,
              help="The period of each line (weeks are ISO weeks, Monday first; UTC).")
@click.option("--source", "sources", multiple=True, metavar="S", help="Only this source (repeatable).")
@click.option("--section", "sections", multiple=True, metavar="S", help="Only this section (repeatable).")
@click.option("--since", metavar="DATE", help="Start the span here (as `query --since`).")
@click.option("--until", metavar="DATE", help="End the span here (as `query --until`: an article "
              "dated only to a month or year counts only if that whole period is inside).")
@click.option("--split", type=click.Choice(SPLIT_CHOICES), help="Counts per source or per section.")
@click.option("--normalize", is_flag=True,
              help="Chart the share of each period's articles that match (matches / articles).")
@click.option("--all", "match_all", is_flag=True, help="Every word must match (as `query --all`).")
@click.option("--json", "as_json", is_flag=True, help="One JSON document: periods, undated, coarser.")
@click.option("--csv", "as_csv", is_flag=True, help="CSV: period,start,[split,]matching,articles,share.")
@click.option("--plot", "plot", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Also draw the chart into FILE.png or FILE.svg (needs news-search[plot]).")
@reports_errors
def timeline_command(query_words: tuple[str, ...], index_dir: str, by: str, sources: tuple[str, ...],
                     sections: tuple[str, ...], since: str | None, until: str | None,
                     split: str | None, normalize: bool, match_all: bool, as_json: bool,
                     as_csv: bool, plot: Path | None) -> None:
    """How much QUERY was covered, and when: for every period (empty ones included) the
    matching articles and all articles indexed in that period.

    Undated matches, and matches dated more coarsely than --by (an article dated only
    "March 2021" in a --by day timeline), are counted apart, on stderr and in --json/--csv.
    Exit 0 when something matched, 1 when nothing did, 2 on error.

    \b
    Examples:
      news-search timeline oil --by month
      news-search timeline 'opec' --by week --split source --normalize
      news-search timeline coffee --by day --since 1987-03 --until 1987-04 --csv
      news-search timeline oil --plot oil.svg
    """
    if as_json and as_csv:
        raise click.UsageError("choose one of --json and --csv")
    if plot is not None and plot.suffix.lower() not in PLOT_FORMATS:
        raise click.UsageError(f"--plot writes .png or .svg files, not '{plot.name}'")
    query_text = _query_text(query_words)
    with _open_index(index_dir) as ix:
        tl = ix.timeline(query_text, by=by, split=split, match="all" if match_all else "words",
                         sources=sources or None, sections=sections or None,
                         since=since, until=until)
    if as_json:
        click.echo(json.dumps(tl.to_dict(), ensure_ascii=False))
    elif as_csv:
        _write_csv(tl)
    elif tl.periods:
        _print_chart(tl, normalize)
    if plot is not None and tl.periods:
        try:
            write_plot(tl, plot, normalize)
        except OSError as exc:
            raise click.ClickException(f"cannot write the plot {plot}: {exc.strerror or exc}") from None
    for line in _summary(tl) if tl.total else ["no matches"]:
        _err(line)
    _done(EXIT_MATCH if tl.total else EXIT_NO_MATCH)


COMMANDS = [timeline_command]
