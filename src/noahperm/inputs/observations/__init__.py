"""Ground-temperature observations: readers, site -> cell matching, and the observation store.

Inputs (under ``<raw_dir>/observations/``, each optional):

* ``active_layer_gt.xlsx``: daily active-layer ground temperature, one sheet per site, layout of
  Zhao et al. (2021) (:mod:`~noahperm.inputs.observations.workbook`);
* ``site_locations.csv``: site coordinates, layout of the Zhao et al. file
  (:mod:`~noahperm.inputs.observations.sites`);
* ``boreholes.csv``: annual mean ground temperature by depth, noahperm's format
  (:mod:`~noahperm.inputs.observations.boreholes`).

Output: ``<out_dir>/observations.nc`` (:mod:`~noahperm.inputs.observations.store`). Temperatures stay in
degC, as observed (tables name the unit in the column, ``value_degC``; the store in ``units``);
:func:`degc_to_kelvin` converts for comparison with the model's [K]. See ``docs/observations.md``.
"""

from __future__ import annotations

import numpy as np

from noahperm.inputs.observations.boreholes import (
    BOREHOLE_COLUMNS,
    empty_boreholes,
    read_boreholes,
    write_boreholes,
)
from noahperm.inputs.observations.sites import assign_cells, match_location, read_site_locations
from noahperm.inputs.observations.store import KINDS, STORE_NAME, prepare, read_store
from noahperm.inputs.observations.workbook import (
    PLAUSIBLE_DEGC,
    empty_table,
    parse_depth_header,
    read_active_layer_workbook,
)
from noahperm.kernel.constants import TFREEZ

__all__ = [
    "BOREHOLE_COLUMNS",
    "KINDS",
    "PLAUSIBLE_DEGC",
    "STORE_NAME",
    "assign_cells",
    "degc_to_kelvin",
    "empty_boreholes",
    "empty_table",
    "kelvin_to_degc",
    "match_location",
    "parse_depth_header",
    "prepare",
    "read_active_layer_workbook",
    "read_boreholes",
    "read_site_locations",
    "read_store",
    "write_boreholes",
]


def degc_to_kelvin(t_degc):
    """Temperature [degC] -> [K] (``t + 273.15``; arrays, Series and scalars)."""
    if isinstance(t_degc, list | tuple):
        t_degc = np.asarray(t_degc, dtype=np.float64)
    return t_degc + TFREEZ


def kelvin_to_degc(t_k):
    """Temperature [K] -> [degC] (``t - 273.15``)."""
    if isinstance(t_k, list | tuple):
        t_k = np.asarray(t_k, dtype=np.float64)
    return t_k - TFREEZ
