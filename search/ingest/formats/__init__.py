"""The format readers, and how a document is matched to one.

Each format is a module with `read(text, doc, options)` yielding `RawArticle`s
or `Skip`s. Content signatures win over extensions (a `.txt` that is really an
HTML page is read as HTML); the extension decides otherwise. A file whose
extension is unknown (a page saved under its host name, `example.net`) is sniffed
more loosely (`<head>` or `<body>` near the top is enough for HTML); plain text is
the fallback only for files with a text extension or none.

To add a format: write the module, then add a `Format` to `FORMATS`.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import import_module

from ..options import IngestOptions
from ..records import Document, RawArticle, Skip

Reader = Callable[[str, Document, IngestOptions], Iterator[RawArticle | Skip]]


@dataclass(frozen=True)
class Format:
    name: str
    module: str
    extensions: tuple[str, ...]
    signature: re.Pattern[str] | None = None  # matched against the first 1,000 characters

    @property
    def read(self) -> Reader:
        return import_module(f"{__name__}.{self.module}").read


FORMATS: tuple[Format, ...] = (
    Format("reuters-sgml", "reuters", (".sgm", ".sgml"), re.compile(r"\A\s*(<!DOCTYPE lewis|<REUTERS\b)", re.I)),
    Format("feed", "feed", (".rss", ".atom", ".xml"),
           re.compile(r"\A\s*(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*<(rss|feed|rdf:RDF)\b", re.I | re.S)),
    Format("html", "html", (".html", ".htm", ".xhtml", ".shtml"),
           re.compile(r"\A\s*(<\?xml[^>]*>\s*)?(<!--.*?-->\s*)*<(!DOCTYPE html|html\b)", re.I | re.S)),
    Format("jsonl", "json", (".jsonl", ".ndjson", ".jsonlines")),
    Format("json", "json", (".json",), re.compile(r"\A\s*[\[{]")),
    Format("csv", "csv", (".csv", ".tsv")),
    Format("text", "text", (".txt", ".text", "")),
)
_BY_NAME = {f.name: f for f in FORMATS}
# Fragments saved without <html> or a doctype still have one of these near the top.
_LOOSE_HTML = re.compile(r"<(!DOCTYPE\s+html|html|head|body)\b", re.I)


def extension(path: str) -> str:
    base = path.rsplit("!", 1)[-1].rsplit("/", 1)[-1].lower()
    return "" if "." not in base else "." + base.rsplit(".", 1)[-1]


def choose_format(path: str, text: str) -> Format | None:
    ext = extension(path)
    head = text[:1000]
    by_ext = next((f for f in FORMATS if ext in f.extensions), None)
    # A JSON Lines file also starts with "{": keep the extension's word for it.
    if by_ext is not None and by_ext.name in ("jsonl", "csv"):
        return by_ext
    for f in FORMATS:
        if f.signature is not None and f.signature.search(head):
            if f.name == "json" and by_ext is not None and by_ext.name != "text":
                continue  # "[" or "{" alone is a weak signal
            return f
    if by_ext is None and _LOOSE_HTML.search(head):
        return _BY_NAME["html"]
    return by_ext


def get(name: str) -> Format:
    return _BY_NAME[name]
