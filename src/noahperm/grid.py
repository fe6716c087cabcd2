"""Model columns of the grid from the domain store: classes, TBOT, green fraction, options.

``model_from_domain`` turns the active cells of ``results/inputs/domain.zarr`` into the
kernel's column arrays (``noahperm.columns``) plus each cell's 12 mid-month green vegetation
fractions, in cell order.

Green vegetation fraction. The paper does not say where its monthly green fraction comes
from; noahperm derives it from the domain's growing-season LAI (Beer's law with extinction
0.52: ``f_max = 1 - exp(-0.52 LAI)``, within 0.01..0.95), a winter floor ``f_min = 0.2 f_max``
and a Qinghai-Tibet Plateau phenology (green-up in May, peak in July-August, senescence in
September-October; ``PHENOLOGY``). SHDMIN and SHDMAX of a column are the minimum and maximum
of its 12 values, so background albedo, emissivity, LAI and roughness span the table range
over the year as in the reference driver. The barren class gets no vegetation (the model
forces SHDFAC = 0 for it anyway).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from noahperm.columns import ColumnSpec, build_columns
from noahperm.simulate import Model
from noahperm.tables import Tables

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
    ``air_temperature_level`` and ``wind_level`` [m] (CMFD: 2 and 10), ``iz0tlnd``.
    Sparse cells use the Y08 surface exchange (option 2), dense cells MYJ with CZIL (option 1),
    as the domain's ``sfcdif_option`` says.
    """
    active = domain["active"].values.astype(bool)
    cell_ids = domain["cell"].values
    idx = np.flatnonzero(active) if cells is None else np.searchsorted(cell_ids, cells)
    veg = domain["vegetation"].values[idx].astype(int)
    soil = domain["soil_class"].values[idx].astype(int)
    tbot = domain["tbot"].values[idx].astype(float)
    sfcdif = domain["sfcdif_option"].values[idx].astype(int)
    green = green_fraction_monthly(domain["lai"].values[idx], veg == tables.veg.bare)
    specs = [ColumnSpec(vegtyp=int(veg[i]), soiltyp=int(soil[i, 0]), stype=soil[i],
                        slopetyp=int(sim_cfg.get("slope_type", 3)),
                        shdmin=float(green[i].min()), shdmax=float(green[i].max()),
                        snoalb=float(sim_cfg.get("snow_albedo", 0.75)),
                        zlvl=float(sim_cfg.get("air_temperature_level", 2.0)),
                        zlvl_wind=float(sim_cfg.get("wind_level", 10.0)), tbot=float(tbot[i]),
                        sfcdif_option=int(sfcdif[i]), iz0tlnd=int(sim_cfg.get("iz0tlnd", 0)))
             for i in range(idx.size)]
    cols = build_columns(specs, tables, mode)
    sld = domain["sldpth"].values.astype(float)
    labels = [f"cell {int(cell_ids[i])} ({float(domain['lat'].values[i]):.2f} N, "
              f"{float(domain['lon'].values[i]):.2f} E)" for i in idx]
    return Model(cols, -np.cumsum(sld), green, labels), cell_ids[idx]
