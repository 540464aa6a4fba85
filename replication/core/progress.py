"""Progress display for long steps (tqdm on a terminal, silent with ``REPLICATION_QUIET=1``)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")


def quiet() -> bool:
    return os.environ.get("REPLICATION_QUIET", "") not in ("", "0")


def progress(items: Iterable[T], *, desc: str) -> Iterator[T]:
    """Iterate over ``items`` showing a progress bar on stderr unless quiet."""
    from tqdm import tqdm

    yield from tqdm(items, desc=desc, disable=quiet() or None, file=sys.stderr, leave=False)


def say(message: str) -> None:
    """One progress line on stderr unless quiet."""
    if not quiet():
        print(message, file=sys.stderr, flush=True)
