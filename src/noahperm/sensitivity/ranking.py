"""The paper's ranking of the parameters (section 2.4): per response, rank by IVARS50; score =
sum of a parameter's best ranks; the lowest scores are the sensitive set.

- Per response r, the parameters are ranked by IVARS50 in descending order, standard
  competition style ("1224"): equal values share the best rank of their group and the next
  rank skips, rank_p = 1 + #{q : IVARS50_q > IVARS50_p}.
- A parameter's score is the sum of its ``top`` smallest ranks over the R responses, with
  ``top = share * R`` rounded by ``rounding`` (paper: 30 % of 18 = 5.4, which it does not
  round explicitly; noahperm rounds half up to the nearest integer, 5, and reports whether
  ``ceil`` (6) changes the selection).
- The ``n_selected`` parameters with the lowest scores are selected; ties in the score are
  broken by the sum of all ranks, then by Table 1 order (stated, deterministic).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

ROUNDINGS = ("round", "floor", "ceil")


def competition_ranks(values: np.ndarray) -> np.ndarray:
    """Standard competition ranks ("1224") of ``values`` in descending order: 1 + the number
    of strictly larger values. NaN is refused (ValueError)."""
    v = np.asarray(values, dtype=float)
    if np.isnan(v).any():
        raise ValueError("IVARS contain NaN")
    return 1 + (v[None, :] > v[:, None]).sum(axis=1)


def top_count(n_responses: int, share: float, rounding: str = "round") -> int:
    """How many of a parameter's ranks make its score: ``share * n_responses`` rounded
    (``round``: half up, ``floor``, ``ceil``), at least 1."""
    x = float(share) * int(n_responses)
    if rounding == "round":
        k = math.floor(x + 0.5)
    elif rounding == "floor":
        k = math.floor(x + 1e-9)
    elif rounding == "ceil":
        k = math.ceil(x - 1e-9)
    else:
        raise ValueError(f"rounding must be one of {ROUNDINGS}, not {rounding!r}")
    return max(1, min(int(n_responses), int(k)))


def rank_table(ivars50: pd.DataFrame, *, share: float = 0.3, rounding: str = "round",
               n_selected: int = 10) -> pd.DataFrame:
    """The ranking of ``ivars50`` (parameters x responses, IVARS50).

    Returns a table indexed by parameter (the input order) with one column of ranks per
    response, ``score`` (sum of the ``top_count`` smallest ranks), ``rank_sum`` (all ranks),
    ``overall`` (1 = lowest score; ties by rank_sum, then input order) and ``selected``.
    """
    if ivars50.shape[0] < n_selected:
        raise ValueError(f"{ivars50.shape[0]} parameters, fewer than {n_selected} to select")
    ranks = pd.DataFrame({c: competition_ranks(ivars50[c].to_numpy()) for c in ivars50.columns},
                         index=ivars50.index)
    k = top_count(ivars50.shape[1], share, rounding)
    r = np.sort(ranks.to_numpy(), axis=1)
    out = ranks.copy()
    out["score"] = r[:, :k].sum(axis=1)
    out["rank_sum"] = r.sum(axis=1)
    order = np.lexsort((np.arange(len(out)), out["rank_sum"].to_numpy(),
                        out["score"].to_numpy()))
    overall = np.empty(len(out), dtype=int)
    overall[order] = np.arange(1, len(out) + 1)
    out["overall"] = overall
    out["selected"] = out["overall"] <= n_selected
    return out


def selection(table: pd.DataFrame) -> list[str]:
    """The selected parameters of a ``rank_table``, best first."""
    sel = table[table["selected"]].sort_values("overall")
    return [str(p) for p in sel.index]
