"""Each user's link graph, kept by the process while the data it was built from holds.

Building a user's graph reads every visible case's people, identifiers, places, events,
links and the tracker's campaigns and payments: at 100,000 cases that takes seconds, and the
chart asks for it on every expand and path. A built graph is kept per database, user and
date range, with what it was read under:

- the ``graph`` generation counter (migration ``0024_graph_payments``), which moves on any
  change to what a graph is built from (cases, people, identifiers, access-independent
  links, the tracker's campaigns, complaints, transactions and rates);
- the ``access`` counter (users, units, grants, restrictions: who may see what) and the
  user's :class:`~nervecentre.security.access.Visibility` and role as read now, so a grant
  that expires (no write moves a counter then) is a change too.

Both counters are read before the graph (:mod:`nervecentre.store.generations`): a kept graph
is never older than its counters say. A database without the counters keeps nothing. Every
caller gets its own copy (the analytics write measures onto nodes), except the chart's reads
(:mod:`nervecentre.graph.charts`), which only take subgraphs (their nodes are copies) and so
share the kept graph: they cost no copy of a 100,000-node graph per expand.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from nervecentre.graph.model import LinkGraph
from nervecentre.security.access import Visibility, visibility
from nervecentre.security.models import User
from nervecentre.store.generations import generation

#: Graphs kept per database, and the links they may hold together (a link with its node
#: share takes about 600 bytes: 2,000,000 links, a 100,000-case registry's whole graph, about
#: 1.2 GiB). When one more would pass either, the others are dropped; a graph larger than
#: the budget alone is not kept.
MAX_KEPT = 8
MAX_KEPT_EDGES = 2_000_000

_Key = tuple[int, str, date | None, date | None]


@dataclass(frozen=True)
class _Entry:
    generations: tuple[int, int]
    seen: Visibility
    graph: LinkGraph


_KEPT: weakref.WeakKeyDictionary[Engine, dict[_Key, _Entry]] = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def _get(engine: Engine, key: _Key) -> _Entry | None:
    with _LOCK:
        return _KEPT.get(engine, {}).get(key)


def _put(engine: Engine, key: _Key, entry: _Entry) -> None:
    size = len(entry.graph.edges)
    with _LOCK:
        kept = _KEPT.setdefault(engine, {})
        kept.pop(key, None)
        held = sum(len(e.graph.edges) for e in kept.values())
        if len(kept) >= MAX_KEPT or held + size > MAX_KEPT_EDGES:
            kept.clear()
        if size <= MAX_KEPT_EDGES:
            kept[key] = entry


def kept_graph(
    session: Session,
    user: User,
    since: date | None,
    until: date | None,
    build: Callable[[], LinkGraph],
    *,
    shared: bool = False,
) -> LinkGraph:
    """A copy of the user's kept graph while it holds, else of one ``build`` makes (and it
    is kept). ``build`` reads through ``session``, after the counters are read here. With
    ``shared``, the kept graph itself: the caller must not change it."""
    graph_gen, access_gen = generation(session, "graph"), generation(session, "access")
    seen = visibility(session, user)
    if graph_gen is None or access_gen is None:
        return build()
    engine = session.get_bind().engine
    key: _Key = (user.id, user.role, since, until)
    found = _get(engine, key)
    if found is not None and found.generations == (graph_gen, access_gen) and found.seen == seen:
        return found.graph if shared else found.graph.copy()
    graph = build()
    _put(engine, key, _Entry((graph_gen, access_gen), seen, graph))
    return graph if shared else graph.copy()
