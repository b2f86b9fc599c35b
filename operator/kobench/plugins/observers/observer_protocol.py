"""The observer plugin contract, and the pieces a strategy is handed.

A strategy only does I/O (subscribe, receive, read, answer); :class:`EventBook` (in
:mod:`kobench.plugins.observers.book`) decides what each event means and measures it, and
:class:`ObserverContext` (in :mod:`.context`) says where to listen and answer.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar, Protocol, runtime_checkable

from kobench.plugins.observers.book import EventBook
from kobench.plugins.observers.context import NODE_ENV, ObserverContext, Target, client_info
from kobench.plugins.observers.keys import END, OTHER, SHARED, UNIQUE
from kobench.plugins.observers.reconnect import ATTEMPT_SECONDS, Reconnection
from kobench.plugins.observers.reconnect import PAUSE_SECONDS as RETRY_PAUSE_SECONDS


@runtime_checkable
class ObserverStrategy(Protocol):
    """An observer plugin, registered under the ``kobench.observers`` entry-point group.

    ``observe`` subscribes on ``context.listen``, calls ``ready()`` once the server has confirmed
    the subscription, books every event in ``book`` until ``book.done()`` and returns. On a
    connection loss it calls ``book.lost(reason)``, subscribes again until ``book.done()`` says
    to give up (each attempt bounded by ``ATTEMPT_SECONDS``, failures noted in a
    :class:`Reconnection`), then ``book.resumed()``; a fatal problem goes to ``book.error``.

    Optional: ``calibration_client`` (``"sync"`` or ``"async"``, default ``"sync"``), the kind of
    redis-py client it uses, on which the role measures the engine's round trip before the run.
    """

    name: ClassVar[str]

    def observe(
        self, context: ObserverContext, book: EventBook, ready: Callable[[], None]
    ) -> None: ...


__all__ = [
    "ATTEMPT_SECONDS",
    "END",
    "NODE_ENV",
    "OTHER",
    "RETRY_PAUSE_SECONDS",
    "SHARED",
    "UNIQUE",
    "EventBook",
    "ObserverContext",
    "ObserverStrategy",
    "Reconnection",
    "Target",
    "client_info",
]
