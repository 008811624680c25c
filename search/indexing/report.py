"""What one indexing run did: the record kept with the index and shown by `stats`."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from ..ingest import Skip


@dataclass
class IndexRun:
    started: datetime
    finished: datetime | None = None
    kind: str = "index"  # "index", "reindex", "reindex --full"
    outcome: str = "running"  # "ok", "failed", "interrupted"
    added: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    skipped: list[Skip] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    # ids of articles this run added or changed: what saved searches are run against.
    changed_ids: list[str] = field(default_factory=list)
    # Set by `NewsIndex` when it delivered saved-search alerts after the run (a list of
    # `search.schedule.Delivery`), or why it could not. Not part of the run record
    # (`to_dict`, runs.jsonl, `--json`): a delivery is the alerts' record, not the run's.
    deliveries: list[Any] = field(default_factory=list, repr=False)
    delivery_error: str | None = field(default=None, repr=False)

    def to_dict(self) -> dict[str, object]:
        deliveries, self.deliveries = self.deliveries, []
        try:
            d = asdict(self)
        finally:
            self.deliveries = deliveries
        d.pop("deliveries", None)
        d.pop("delivery_error", None)
        d["started"] = self.started.isoformat()
        d["finished"] = self.finished.isoformat() if self.finished else None
        d["skipped"] = [s.to_dict() for s in self.skipped]
        return d
