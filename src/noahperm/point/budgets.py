"""Energy and water budgets of a column, step by step, from the kernel's state and diagnostics.

Water [m of water per step]: the storage W = sum_k SMC_k dz_k + SNEQV + CMC changes by

    dW = dt (P - E - R1 - R2)

with P the precipitation rate, E the evaporative loss (ETAKIN; when the potential evaporation
is negative the condensation DEW, which NOPAC adds to the soil and SNOPAC to the pack),
R1 surface runoff and R2 drainage plus saturation excess (RUNOFF2 includes RUNOFF3).

Energy [W m-2]: the soil heat solve changes the heat content (sensible plus latent) of the
soil column by DHSOIL = GSOIL + GBOT (surface and bottom boundary fluxes it applied).

The reference model does not conserve water exactly in a few documented places (each a
clamp of the Fortran; see docs/kernel.md): total soil water is kept at or above 0.02 m3 m-3
(SSTEP), a pack below 1e-7 m of SWE is dropped at the start of a step (SFLX), and sublimation
larger than the pack removes only the pack (SNOPAC). ``water_clamps`` flags such steps.
"""

from __future__ import annotations

import numpy as np

from noahperm.kernel import layout as L


def layer_thickness(zsoil: np.ndarray) -> np.ndarray:
    """Layer thicknesses [m] from the (negative) layer bottoms."""
    z = np.concatenate([[0.0], np.asarray(zsoil, dtype=float)])
    return -np.diff(z)


def water_storage(state: np.ndarray, zsoil: np.ndarray) -> np.ndarray:
    """Column water [m]: soil (total water) + snow water equivalent + canopy water."""
    nsoil = len(zsoil)
    smc = state[..., L.NSTATE + nsoil: L.NSTATE + 2 * nsoil]
    return smc @ layer_thickness(zsoil) + state[..., L.S_SNEQV] + state[..., L.S_CMC]


def evaporative_loss(diag: np.ndarray) -> np.ndarray:
    """Water leaving the column by evaporation, sublimation and transpiration [m s-1]
    (negative: condensation)."""
    etp = diag[..., L.D_ETP]
    return np.where(etp > 0.0, diag[..., L.D_ETAKIN] * 1.0e-3, -diag[..., L.D_DEW])


def water_residual(state_before: np.ndarray, state_after: np.ndarray, diag: np.ndarray,
                   zsoil: np.ndarray, dt: float) -> np.ndarray:
    """Storage change minus net inflow of each step [m]; 0 where water is conserved."""
    d_store = water_storage(state_after, zsoil) - water_storage(state_before, zsoil)
    inflow = dt * (diag[..., L.D_PRCP] * 1.0e-3 - evaporative_loss(diag)
                   - diag[..., L.D_RUNOFF1] - diag[..., L.D_RUNOFF2])
    return d_store - inflow


def heat_residual(diag: np.ndarray) -> np.ndarray:
    """Soil heat content change minus boundary fluxes of each step [W m-2]."""
    return diag[..., L.D_DHSOIL] - (diag[..., L.D_GSOIL] + diag[..., L.D_GBOT])


def water_clamps(state_before: np.ndarray, state_after: np.ndarray, diag: np.ndarray,
                 zsoil: np.ndarray, dt: float) -> np.ndarray:
    """Steps where one of the reference's non-conserving clamps may have acted (bool)."""
    nsoil = len(zsoil)
    smc_after = state_after[..., L.NSTATE + nsoil: L.NSTATE + 2 * nsoil]
    floor = (smc_after <= 0.02 + 1e-12).any(axis=-1)
    tiny_pack = (state_before[..., L.S_SNEQV] > 0.0) & (state_before[..., L.S_SNEQV] <= 1.0e-7)
    pack_gone = (state_before[..., L.S_SNEQV] > 0.0) & (state_after[..., L.S_SNEQV] == 0.0)
    return floor | tiny_pack | pack_gone
