"""Model columns of the grid from the domain store: classes, TBOT, green fraction, options.

``model_from_domain`` turns the active cells of ``results/inputs/domain.zarr`` into the
kernel's column arrays (``noahperm.model.columns``) plus each cell's 12 mid-month green vegetation
fractions, in cell order.

Green vegetation fraction. The paper does not say where its monthly green fraction comes
from; noahperm derives it from the domain's growing-season LAI (Beer's law with extinction
0.52) and a Qinghai-Tibet Plateau phenology ``p_m`` (green-up in May, peak in July-August,
senescence in September-October; ``PHENOLOGY``):

    f_max = clip(1 - exp(-0.52 LAI), 0.01, 0.95),   f_min = 0.2 f_max
    g_m   = f_min + (f_max - f_min) p_m              (month m = 1..12, valid mid-month)

SHDMIN and SHDMAX of a column are the minimum and maximum of its 12 values. At each step the
driver interpolates SHDFAC between the mid-month values by day, as the reference driver's
``month_d`` (``noahperm.point.input_file.month_weights``), and SFLX (REDPRM) takes background
albedo, emissivity, LAI and roughness between their table extremes with
``(SHDFAC - SHDMIN) / (SHDMAX - SHDMIN)`` (``noahperm.kernel.column``), so they span the
table range over the year as in the reference driver. The barren class gets no vegetation
(the model forces SHDFAC = 0 for it anyway).

Columns (REDPRM's per-column part, ``noahperm.model.columns.build_columns``): vegetation
class and the layers' soil classes from the domain, ``Soil_type_index`` = the top layer's
class, TBOT from the domain's elevation regression, the surface exchange option of the
domain (2 SFCDIF_MYJ_Y08 for sparse cells, 1 MYJ with CZIL for dense ones), slope class, snow
albedo and forcing heights from the config.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from noahperm.core.config import with_defaults
from noahperm.model.columns import ColumnSpec, Model, build_columns
from noahperm.model.tables import Tables

#: relative greenness of each month (January..December), 0 = dormant, 1 = peak
PHENOLOGY = np.array([0.0, 0.0, 0.0, 0.05, 0.25, 0.6, 1.0, 1.0, 0.7, 0.3, 0.05, 0.0])
EXTINCTION = 0.52


def green_fraction_monthly(lai: np.ndarray, bare: np.ndarray) -> np.ndarray:
    """(ncell, 12) mid-month green vegetation fraction from growing-season LAI [m2 m-2]."""
    lai = np.nan_to_num(np.asarray(lai, dtype=float), nan=0.0)
    fmax = np.clip(1.0 - np.exp(-EXTINCTION * lai), 0.01, 0.95)
    fmin = 0.2 * fmax
    g = fmin[:, None] + (fmax - fmin)[:, None] * PHENOLOGY[None, :]
    g[np.asarray(bare, dtype=bool)] = 0.0
    return g


def model_from_domain(domain, sim_cfg: Mapping, tables: Tables, mode: str = "reference",
                      cells=None) -> tuple[Model, np.ndarray]:
    """(Model, cell numbers) of the active cells (or of ``cells``) of an open domain dataset.

    ``sim_cfg`` keys (config section ``simulation``): ``slope_type`` (1-9), ``snow_albedo``,
    ``air_temperature_level`` and ``wind_level`` [m] (CMFD: 2 and 10); IZ0TLND is 0 (CZIL
    from the table).
    Sparse cells use the Y08 surface exchange (option 2), dense cells MYJ with CZIL (option 1),
    as the domain's ``sfcdif_option`` says.
    """
    sim_cfg = with_defaults(sim_cfg, "simulation")
    active = domain["active"].values.astype(bool)
    cell_ids = domain["cell"].values
    idx = np.flatnonzero(active) if cells is None else np.searchsorted(cell_ids, cells)
    veg = domain["vegetation"].values[idx].astype(int)
    soil = domain["soil_class"].values[idx].astype(int)
    tbot = domain["tbot"].values[idx].astype(float)
    sfcdif = domain["sfcdif_option"].values[idx].astype(int)
    green = green_fraction_monthly(domain["lai"].values[idx], veg == tables.veg.bare)
    specs = [ColumnSpec(vegtyp=int(veg[i]), soiltyp=int(soil[i, 0]), stype=soil[i],
                        slopetyp=int(sim_cfg["slope_type"]),
                        shdmin=float(green[i].min()), shdmax=float(green[i].max()),
                        snoalb=float(sim_cfg["snow_albedo"]),
                        zlvl=float(sim_cfg["air_temperature_level"]),
                        zlvl_wind=float(sim_cfg["wind_level"]), tbot=float(tbot[i]),
                        sfcdif_option=int(sfcdif[i]))
             for i in range(idx.size)]
    cols = build_columns(specs, tables, mode)
    sld = domain["sldpth"].values.astype(float)
    labels = [f"cell {int(cell_ids[i])} ({float(domain['lat'].values[i]):.2f} N, "
              f"{float(domain['lon'].values[i]):.2f} E)" for i in idx]
    return Model(cols, -np.cumsum(sld), green, labels), cell_ids[idx]
