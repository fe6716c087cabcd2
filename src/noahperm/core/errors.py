"""Exceptions of noahperm.

``InputError`` (and its subclass ``TableError``) report a problem with something the user gave
us: a file, a line in it, a field. The command line turns them into ``noahperm: error: ...``
and exit status 2 instead of a traceback.
"""

from __future__ import annotations

from pathlib import Path


class NoahpermError(Exception):
    """Base class of the errors noahperm raises on purpose."""


class InputError(NoahpermError, ValueError):
    """Bad input data, located as precisely as known.

    Parameters
    ----------
    problem
        What is wrong, in words.
    path
        The file, if the input is a file.
    line
        1-based line number in ``path``.
    field
        The field, key or column concerned.

    ``str(err)`` is ``"<path>:<line>: <field>: <problem>"``, leaving out the parts that are
    unknown (a line without a path reads ``"line <n>"``).
    """

    def __init__(
        self,
        problem: str,
        *,
        path: str | Path | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.problem = problem
        self.path = None if path is None else str(path)
        self.line = line
        self.field = field
        super().__init__(self._format())

    def _format(self) -> str:
        parts = []
        if self.path is not None:
            parts.append(self.path if self.line is None else f"{self.path}:{self.line}")
        elif self.line is not None:
            parts.append(f"line {self.line}")
        if self.field is not None:
            parts.append(self.field)
        parts.append(self.problem)
        return ": ".join(parts)

    def __reduce__(self):
        # Keyword-only arguments: keep them through pickling (multiprocessing, dask).
        kwargs = {"path": self.path, "line": self.line, "field": self.field}
        return (_rebuild, (type(self), self.problem, kwargs))


def _rebuild(cls: type[InputError], problem: str, kwargs: dict) -> InputError:
    return cls(problem, **kwargs)


class TableError(InputError):
    """A parameter table (GENPARM/SOILPARM/VEGPARM or a bundled copy) cannot be used."""
