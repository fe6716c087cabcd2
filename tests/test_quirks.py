"""The code paths REFERENCE_MODEL.md section 7 lists as easy to get wrong, tested one by one.

Each is checked twice where possible: a unit test that pins the formula, and a check that the
reference run exercises the path on enough steps and that our one-step results match there
(the full one-step comparison is in test_reference_kernel.py; here the steps are selected by
the path they take, so a regression in one path names itself).
"""

from __future__ import annotations

import numpy as np
import pytest

import cases
from noahperm.kernel import layout as L
from noahperm.kernel.branches import (
    E_SRT2_SMCWLT,
    E_TOP_BEXP,
    E_TOP_PSISAT,
    E_TOP_SMCMAX,
    NEFF,
    NWORK,
)
from noahperm.kernel.column import prepare_column
from noahperm.kernel.snow import snowpack
from noahperm.kernel.soil_heat import tmpavg
from noahperm.kernel.soil_water import srt
from noahperm.model.tables import load_tables
from test_reference_kernel import one_step_all, state_errors

T0 = 273.15


@pytest.fixture(scope="module")
def tgl():
    c = cases.case("tgl")
    new, diag = one_step_all(c)
    err = state_errors(new, c.dump.state, c.dump.nsoil).max(axis=1)
    return c, err, diag


def _matches_on(err, mask, minimum):
    n = int(mask.sum())
    assert n >= minimum, f"path exercised on only {n} reference steps"
    assert err[mask].max() <= 1e-9
    return n


# 1a. snow compaction: x of (e^x - 1)/x uses max(ESD, 0.01 cm) (module_sf_noahlsm.F:2985)
def test_compaction_uses_max_of_swe_and_floor():
    esd, dt, snowh, sndens, tsnow, tsoil = 2.0e-5, 10800.0, 2.0e-4, 0.1, 260.0, 265.0
    h, rho = snowpack(esd, dt, snowh, sndens, tsnow, tsoil)
    bfac = dt / 3600.0 * 0.01 * np.exp(0.08 * 0.5 * (tsnow + tsoil - 2 * 273.15) - 21.0 * sndens)
    esdcx = max(esd * 100.0, 1.0e-2)  # the floor applies: 0.002 cm < 0.01 cm
    pexp = 0.0
    for j in range(4, 0, -1):
        pexp = (1.0 + pexp) * bfac * esdcx / (j + 1)
    expected = min(max(sndens * (pexp + 1.0), 0.05), 0.40)
    assert rho == pytest.approx(expected, rel=1e-14)
    assert h == pytest.approx(esd / expected, rel=1e-14)
    # with min() instead the factor would be smaller
    assert rho > sndens * (1 + bfac * esd * 100 / 2) * (1 - 1e-12)


# 1b. wet densification from the compacted density, capped at 0.40 (3049)
def test_wet_densification_from_compacted_density_capped():
    esd, dt, snowh, sndens = 0.05, 10800.0, 0.15, 0.3
    h_dry, rho_dry = snowpack(esd, dt, snowh, sndens, 272.0, 272.0)
    h_wet, rho_wet = snowpack(esd, dt, snowh, sndens, 273.15, 272.0)
    dw = 0.13 * 3.0 / 24.0
    # compacted density at the wet pack's own temperature, then densified
    bfac = 3.0 * 0.01 * np.exp(0.08 * 0.5 * (0.0 + (272.0 - 273.15)) - 21.0 * sndens)
    pexp = 0.0
    for j in range(4, 0, -1):
        pexp = (1.0 + pexp) * bfac * 5.0 / (j + 1)
    compacted = min(max(sndens * (pexp + 1.0), 0.05), 0.40)
    assert rho_wet == pytest.approx(min(compacted * (1 - dw) + dw, 0.40), rel=1e-14)
    assert rho_wet > rho_dry
    _, rho_cap = snowpack(esd, dt, snowh, 0.399, 274.0, 273.5)
    assert rho_cap == 0.40


def test_snow_paths_in_reference(tgl):
    c, err, diag = tgl
    snow_before = c.dump.prev("SNEQV") > 0
    after = c.dump["SNEQV"]
    # 1a: packs thinner than 0.01 cm SWE after the step (the floor of the compaction factor)
    _matches_on(err, (after > 0) & (after < 1e-4), 5)
    # 1b: wet snow (skin at or above freezing with snow remaining)
    _matches_on(err, (after > 0) & (c.dump["T1"] >= T0), 5)
    # 1c: positive potential evaporation on snow: sublimation energy in the skin balance
    _matches_on(err, snow_before & (c.dump["ETP"] > 0), 100)
    # 1d: under snow the soil solve must not overwrite T1 and SSOIL: SSOIL is the snow-soil
    # flux df1 (T1 - STC1)/dtot of SNOPAC, T1 from the snow energy balance
    _matches_on(err, snow_before, 500)
    assert c.dump["SNCOVR"].max() <= 0.98  # the cap itself: test_snow_cover_capped


# 1e. snow cover capped at 0.98 (536): not reached in the reference cases (thin packs), so a
# constructed step with 10 cm of SWE on grassland (SNUP = 0.04 m)
def test_snow_cover_capped():
    from noahperm.point.run import run_point

    c = cases.case("tgl")
    inp = c.inp
    deep = type(inp)(**{**inp.__dict__, "sneqv": 0.10, "snowh": 0.40,
                        "times": inp.times[:8], "forcing": inp.forcing[:8]})
    res = run_point(deep)
    assert res.status == 0
    sncovr = res.scalar("SNCOVR")
    assert (sncovr == 0.98).all()
    # without the cap the cover would be 1 (SWE > SNUP): albedo and emissivity follow 0.98
    assert (res.scalar("SNEQV") > 0.04).all()


# 2. layer-1 freezing uses the bottom layer's Campbell b (reference mode)
def test_layer1_freezing_uses_bottom_layer_b():
    tables = load_tables()
    smat = tables.soil.matrix()
    stype = np.array([7] * 6 + [12] * 5 + [13] * 7)
    soilp = smat[stype - 1]
    soilidx = smat[6]
    eff = np.zeros(NEFF)
    wk = np.zeros((NWORK, stype.size))
    par = np.zeros(L.NPAR)
    par[[L.P_NROOT, L.P_REFKDT, L.P_REFDK]] = 3, 3.0, 2e-6
    zsoil = -np.cumsum(np.full(stype.size, 0.5))
    prepare_column(par, soilp, stype, soilidx, zsoil, eff, wk)
    assert eff[E_TOP_BEXP] == smat[12, L.SP_BB] == 2.53  # gravel, the bottom layer
    assert eff[E_TOP_SMCMAX] == smat[6, L.SP_MAXSMC]  # loam, stype(1)
    assert eff[E_TOP_PSISAT] == soilidx[L.SP_SATPSI]  # Soil_type_index
    assert eff[E_SRT2_SMCWLT] == smat[12, L.SP_WLTSMC]  # second SRT pass: stype(NSOIL)
    par[L.P_MODE] = L.MODE_CONSISTENT
    prepare_column(par, soilp, stype, soilidx, zsoil, eff, wk)
    assert eff[E_TOP_BEXP] == smat[6, L.SP_BB]


def test_layer1_phase_change_in_reference(tgl):
    c, err, _ = tgl
    sh2o_b, smc_b = c.dump.prev("SH2O"), c.dump.prev("SMC")
    freezing = (c.dump["SH2O"][:, 0] != sh2o_b[:, 0]) & (smc_b[:, 0] - sh2o_b[:, 0] > 0)
    _matches_on(err, freezing, 200)


# 3. the snow-free ground flux fed to Penman includes exp(SBETA * SHDFAC) (589)
def test_snow_free_vegetated_steps(tgl):
    c, err, _ = tgl
    mask = (c.dump.prev("SNEQV") == 0) & (c.dump["FFROZP"] == 0) & (c.dump["SHDFAC"] > 0)
    _matches_on(err, mask, 500)


# 4. freezing rain only for rain on a frozen surface, not during snowfall (489)
def test_freezing_rain_flag():
    c = cases.case("sfg")  # the grassland case has no rain on a frozen skin
    new, diag = one_step_all(c)
    err = state_errors(new, c.dump.state, c.dump.nsoil).max(axis=1)
    rain = (c.dump["PRCP"] > 0) & (c.dump["FFROZP"] == 0)
    frozen_skin = c.dump.prev("T1") <= T0
    frzgra = rain & frozen_skin
    assert (c.dump["FLX2"][frzgra] < 0).all()
    assert (c.dump["FLX2"][~frzgra] == 0).all()  # includes all snowfall steps
    assert (diag[~frzgra, L.D_FLX2] == 0).all()
    _matches_on(err, frzgra, 2)
    # snowfall on a frozen skin is not freezing rain
    snowfall = (c.dump["PRCP"] > 0) & (c.dump["FFROZP"] == 1) & frozen_skin
    assert snowfall.sum() > 10 and (c.dump["FLX2"][snowfall] == 0).all()


# 5. the infiltration capacity sums the deficit of all layers (3239)
def test_infiltration_capacity_sums_all_layers():
    tables = load_tables()
    smat = tables.soil.matrix()
    nsoil = 18
    sld = np.array([0.045, 0.046, 0.075, 0.123, 0.204, 0.336, 0.554, 0.913, 0.904, 1, 1, 1, 1, 1,
                    1, 2, 2, 2])
    zsoil = -np.cumsum(sld)
    stype = np.full(nsoil, 7)
    soilp = smat[stype - 1]
    sice = np.zeros(nsoil)

    def runoff(sh2o):
        w = np.zeros((5, nsoil))
        return srt(w[0], 0.0, np.zeros(nsoil), sh2o, sh2o, 5e-4, zsoil, 10800.0, 3.0 * 3.38e-6 / 2e-6,
                   1.0, sice, soilp, soilp[0, L.SP_MAXSMC], soilp[0, L.SP_WLTSMC], False, w[1], w[2],
                   w[3], w[4])[0]

    wet = np.full(nsoil, 0.40)
    dry_bottom = wet.copy()
    dry_bottom[-1] = 0.10  # only the deepest layer (2 m, 13-15.2 m) differs
    assert runoff(dry_bottom) < runoff(wet)


# 6. soil parameters come from the table, not from formulas
def test_gravel_parameters_from_table():
    soil = load_tables().soil
    assert soil.names[12].upper() == "GRAVEL"
    assert soil.satdw[12] == 0.509e-5
    assert soil.wltsmc[12] == 0.073
    assert soil.refsmc[12] == 0.211
    assert soil.maxsmc[12] == 0.262
    assert soil.names[13].upper() == "BEDROCK"


# 7. TMPAVG: every branch is the layer mean of min(T, T0) of the piecewise-linear profile (3683)
@pytest.mark.parametrize("tup,tm,tdn", [
    (270, 271, 272), (270, 272, 275), (270, 275, 271), (270, 275, 276),
    (275, 271, 270), (275, 271, 276), (275, 276, 270), (275, 276, 277),
])
def test_tmpavg_all_branches(tup, tm, tdn):
    zsoil = np.array([-0.1, -0.3, -0.7])
    k = 1
    dz = zsoil[k - 1] - zsoil[k]
    z = np.linspace(0.0, dz, 200001)
    prof = np.where(z <= dz / 2, tup + (tm - tup) * z / (dz / 2),
                    tm + (tdn - tm) * (z - dz / 2) / (dz / 2))
    y = np.minimum(prof, T0)
    expected = float(np.sum((y[1:] + y[:-1]) * 0.5 * np.diff(z)) / dz)
    if tup >= T0 and tm >= T0 and tdn >= T0:
        expected = (tup + 2 * tm + tdn) / 4  # all thawed: plain mean
    assert tmpavg(float(tup), float(tm), float(tdn), zsoil, k) == pytest.approx(expected, abs=1e-8)


# 8. Y08 constants (g = 9.8, Rd/cp = 287/1004): CH and RIBB of every reference step
def test_y08_coefficients_match_reference(tgl):
    c, _, _ = tgl
    from noahperm.kernel.sfcdif import sfcdif_y08

    inp = c.inp
    z0, t1 = c.dump.prev("Z0"), c.dump.prev("T1")
    f = inp.forcing
    worst = 0.0
    for i in range(0, len(c.dump), 7):
        ch, ribb = sfcdif_y08(z0[i], inp.zlvl_wind, inp.zlvl, f[i, L.F_SFCSPD], t1[i],
                              f[i, L.F_SFCTMP], f[i, L.F_Q2], f[i, L.F_SFCPRS])
        worst = max(worst, abs(ch / c.dump["CH"][i] - 1), abs(ribb - c.dump["RIBB"][i]))
    assert worst < 1e-12


# 9. float64 throughout: float32 forcing is promoted, the state stays float64
def test_kernel_is_float64():
    c = cases.case("sfg")
    from noahperm.point.run import run_point

    inp = c.inp
    res = run_point(inp)
    assert res.state.dtype == np.float64 and res.diag.dtype == np.float64
    inp32 = type(inp)(**{**inp.__dict__, "forcing": inp.forcing.astype(np.float32)})
    res32 = run_point(inp32)
    # float32 forcing changes results (it is what the driver was given), but not to float32
    assert res32.state.dtype == np.float64
    assert np.abs(res32.soil("STC") - res.soil("STC")).max() > 0
