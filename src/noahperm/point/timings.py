"""Wall-clock phases of a point run (``noahperm point --timings``); standard library only.

A :class:`Phases` is started at some instant (``noahperm.cli`` passes the time it was imported)
and :meth:`~Phases.mark` closes the phase running since the previous mark. :meth:`~Phases.report`
writes one line per phase and the total on stderr, e.g.::

    noahperm point: timings [s] (from the import of noahperm.cli; interpreter start-up not included)
      build: aot (numba 0.68.1 pycc, target CPU generic, sources 9288cb27903c45c1)
      start-up             0.012
      imports              0.290
      ...
      total                0.561
"""

from __future__ import annotations

import sys
import time


class Phases:
    """Named wall-clock phases, in order; a phase marked twice accumulates."""

    def __init__(self, start: float | None = None) -> None:
        self.start = time.perf_counter() if start is None else start
        self._last = self.start
        self.seconds: dict[str, float] = {}
        self.notes: dict[str, str] = {}

    def note(self, name: str, text: str) -> None:
        """A line ``name: text`` printed after the title (e.g. which build of the kernel ran)."""
        self.notes[name] = text

    def mark(self, name: str) -> float:
        """End phase ``name`` now (it began at the previous mark); return its seconds."""
        now = time.perf_counter()
        dt = now - self._last
        self.seconds[name] = self.seconds.get(name, 0.0) + dt
        self._last = now
        return dt

    @property
    def total(self) -> float:
        return self._last - self.start

    def report(self, file=None, title: str = "noahperm point") -> None:
        """One line per phase, then the total (the sum of the phases), on ``file`` (stderr)."""
        out = sys.stderr if file is None else file
        print(f"{title}: timings [s] (from the import of noahperm.cli; interpreter start-up "
              "not included)", file=out)
        for name, text in self.notes.items():
            print(f"  {name}: {text}", file=out)
        for name, dt in self.seconds.items():
            print(f"  {name:<20s} {dt:7.3f}", file=out)
        print(f"  {'total':<20s} {self.total:7.3f}", file=out, flush=True)
