"""Unattended operation: scheduled reindexing and saved-search alerts.

    from search import NewsIndex
    with NewsIndex.open(index_dir) as ix:
        run = ix.reindex()                   # delivers alerts: new matches -> alerts/NAME.jsonl
        run.deliveries                       # what each saved search got
        ix.alerts.deliver()                  # after a write made with alerts=False
        ix.stats()["scheduler"]              # the scheduler's schedule.json (read_state)

`deliver_alerts(ix, run)` (`ix` the NewsIndex whose searches the alerts run) and
`read_state(index_dir)` are the layer below. Nothing here opens an index itself:
saved searches run through the caller's NewsIndex, and what delivery reads of the
index (its version, content hashes, ids) comes from search/indexing/store.py's
IndexHandle.

Modules: `timing` (--every/--cron, due times), `scheduler` (the foreground loop),
`state` (schedule.json for `stats`), `alerts` (saved searches), `delivery`
(exactly-once delivery), `matching` (runs a saved search), `runlog`. Their files are
written by search/indexing/durable.py and locked by search/indexing/lock.py.
"""
from .delivery import Delivery, deliver_alerts
from .state import read_state

__all__ = ["Delivery", "deliver_alerts", "read_state"]
