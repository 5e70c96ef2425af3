"""The resolution gate: what must be done before an incident may be resolved.

Other apps feed it by registering a source: a function that, given an incident, returns the
things that block its resolution (the action-item app registers open short-term items).
`incident_resolve` asks `resolution_blockers()` and refuses while the list is not empty.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .models import Incident


@dataclass(frozen=True)
class ResolutionBlocker:
    title: str
    url: str
    reason: str


BlockerSource = Callable[[Incident], Iterable[ResolutionBlocker]]

_sources: list[BlockerSource] = []


def register_blocker_source(source: BlockerSource) -> BlockerSource:
    if source not in _sources:
        _sources.append(source)
    return source


def unregister_blocker_source(source: BlockerSource) -> None:
    if source in _sources:
        _sources.remove(source)


def resolution_blockers(incident: Incident) -> list[ResolutionBlocker]:
    return [blocker for source in _sources for blocker in source(incident)]


class ResolutionBlocked(Exception):
    def __init__(self, blockers: list[ResolutionBlocker]):
        self.blockers = blockers
        names = "; ".join(blocker.title for blocker in blockers)
        super().__init__(f"Cannot resolve while these are not done: {names}")
