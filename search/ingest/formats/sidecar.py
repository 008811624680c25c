"""Metadata sidecars: `NAME.meta.json` beside the plain-text file `NAME.txt` (or `NAME`).

A scraped text file rarely states its date or URL, and its bytes are often not ours
to change (the bundled seeds are kept byte for byte as received). A sidecar gives the
article the fields the text lacks, without touching the text:

    {"published": "2021-09-25", "url": "https://www.example.org/story"}

The keys are the Article fields a user can know from outside the file (SIDECAR_KEYS);
every value is a string, except `tags`, a list of strings; `null` or "" means "not
given". A sidecar is applied whole or not at all: any fault (not UTF-8 JSON, not an
object, an unknown key such as a misspelt "pubished", a value of the wrong type) is
reported as a skip naming the sidecar and the reason, and the article is read from its
text alone, so a typo never silently loses a date nor drops a story from the index.
Its values win over the file's own `Key: value` header and over inference.
"""
from __future__ import annotations

import json

SIDECAR_SUFFIX = ".meta.json"
# A sidecar holds a handful of short fields (the seeds' are under 200 bytes); a larger
# one is not a sidecar someone wrote by hand and is refused unread.
MAX_SIDECAR_BYTES = 64 * 1024
STRING_KEYS = ("headline", "source", "published", "url", "author", "language", "section")
SIDECAR_KEYS = (*STRING_KEYS, "tags")


class SidecarError(ValueError):
    """Why a sidecar cannot be applied (the message is the skip's reason)."""


def parse_sidecar(data: bytes) -> dict[str, str | tuple[str, ...]]:
    """The fields a sidecar gives (absent and empty ones left out), or SidecarError."""
    try:
        obj = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise SidecarError("not UTF-8: a sidecar is a UTF-8 JSON object") from None
    except json.JSONDecodeError as exc:
        raise SidecarError(f"not JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") from None
    if not isinstance(obj, dict):
        raise SidecarError(f"a sidecar is a JSON object of fields, not a {type(obj).__name__}")
    unknown = sorted(k for k in obj if k not in SIDECAR_KEYS)
    if unknown:
        names = ", ".join(f'"{k}"' for k in unknown)
        raise SidecarError(f"unknown key{'s' if len(unknown) > 1 else ''} {names} "
                           f"(known: {', '.join(SIDECAR_KEYS)})")
    fields: dict[str, str | tuple[str, ...]] = {}
    for key, value in obj.items():
        if value is None or value == "" or value == []:
            continue
        if key == "tags":
            if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
                raise SidecarError('"tags" must be a list of strings, e.g. ["nato", "ukraine"]')
            fields[key] = tuple(t.strip() for t in value if t.strip())
        elif not isinstance(value, str):
            raise SidecarError(f'"{key}" must be a string, not {json.dumps(value)}')
        else:
            fields[key] = value.strip()
    return fields
