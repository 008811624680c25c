"""Page chrome: the lines a scraper keeps that are not the story.

Scraped text files have no markup left to tell chrome from content, so this is
rule-based; the rules are data (`chrome_rules.txt`, editable) and the logic is
three passes: drop known chrome lines anywhere, drop photo captions (a short
line repeated back to back), and cut a publisher footer at the end.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources


@dataclass(frozen=True)
class ChromeRules:
    lines: re.Pattern[str]  # whole lines that are chrome wherever they appear
    footer: re.Pattern[str]  # a line that starts the publisher footer
    trailer: re.Pattern[str]  # credit text at the end of the last line


@lru_cache(maxsize=1)
def rules() -> ChromeRules:
    groups: dict[str, list[str]] = {"line": [], "footer": [], "trailer": []}
    text = resources.files("search.ingest").joinpath("chrome_rules.txt").read_text("utf-8")
    for raw in text.splitlines():
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        kind, _, pattern = raw.partition(" ")
        groups[kind].append(pattern.strip())
    join = lambda ps: re.compile("|".join(f"(?:{p})" for p in ps), re.IGNORECASE)  # noqa: E731
    return ChromeRules(join(groups["line"]), join(groups["footer"]), join(groups["trailer"]))


def strip_chrome(lines: list[str]) -> tuple[list[str], list[str]]:
    """Return (kept lines, a description of each removal for provenance).

    `lines` are cleaned lines; blank lines separate paragraphs and are kept.
    """
    r = rules()
    removed: list[str] = []
    out: list[str] = []
    for line in lines:
        if line and r.lines.fullmatch(line):
            removed.append(f"chrome line {line!r}")
        else:
            out.append(line)

    # Captions: the same short line twice in a row (with only blanks between).
    kept: list[str] = []
    i = 0
    while i < len(out):
        line = out[i]
        j = i + 1
        while j < len(out) and not out[j]:
            j += 1
        if line and j < len(out) and out[j] == line and len(line) <= 200:
            removed.append(f"repeated caption {line!r}")
            i = j + 1
            continue
        kept.append(line)
        i += 1

    # Footer: from the first footer line in the last half of the text, to the end.
    nonblank = [k for k, line in enumerate(kept) if line]
    if nonblank:
        half = nonblank[len(nonblank) // 2]
        for k in range(half, len(kept)):
            if kept[k] and r.footer.search(kept[k]):
                removed.append(f"publisher footer from {kept[k][:40]!r} ({len(kept) - k} lines)")
                kept = kept[:k]
                break

    # Credit trailing the last line ("... increasingly close. Picture credit: Wikimedia").
    while kept and not kept[-1]:
        kept.pop()
    if kept:
        m = r.trailer.search(kept[-1])
        if m:
            removed.append(f"credit {m.group(0).strip()!r}")
            kept[-1] = kept[-1][: m.start()].rstrip()
            if not kept[-1]:
                kept.pop()
    return kept, removed
