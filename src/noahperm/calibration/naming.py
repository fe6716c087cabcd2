"""Names of a calibration experiment's members, standard library only (read while the workflow
is parsed, workflow/rules/common.smk): the one source of the member-name format shared by the
``calibrate`` stage (which writes ``members/<name>.json``) and the ensemble's members in the
DAG (whose parameter file that is)."""

from __future__ import annotations


def member_name(k: int) -> str:
    """The name of the k-th member (1-based): ``m01``, ``m02``, ..."""
    if int(k) < 1:
        raise ValueError(f"members are numbered from 1, not {k!r}")
    return f"m{int(k):02d}"


def member_names(n: int) -> list[str]:
    """The names of an experiment's ``n`` members, in order (``m01`` .. ``mNN``)."""
    return [member_name(k) for k in range(1, int(n) + 1)]


def member_file(name: str) -> str:
    """A member's parameter file relative to its experiment's calibration folder."""
    return f"members/{name}.json"
