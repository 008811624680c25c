"""Ray for the cluster tests (no tests here): imported, or the importing test module is
skipped without the `cluster` extra, except in CI, which installs it (a missing Ray is then
a failure); and a real two-node cluster on this machine, for a module-scoped fixture:

    cluster = pytest.fixture(scope="module", name="cluster")(two_node_cluster)
"""
from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

if os.environ.get("CI"):
    import ray  # noqa: F401 - CI installs the cluster extra: a missing Ray is a failure
ray = pytest.importorskip("ray", reason="needs Ray: pip install -e '.[cluster]'")

from ray.cluster_utils import Cluster  # noqa: E402

__all__ = ["Cluster", "ray", "two_node_cluster"]


def two_node_cluster() -> Iterator[Cluster]:
    """A real two-node Ray cluster on this machine, stopped with everything it started."""
    c = Cluster(initialize_head=True, head_node_args={"num_cpus": 1})
    c.add_node(num_cpus=1)
    ray.init(address=c.address, log_to_driver=False, logging_level="ERROR")
    c.wait_for_nodes()
    yield c
    ray.shutdown()
    c.shutdown()
