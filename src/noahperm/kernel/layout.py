"""Index layout of the flat arrays the kernel works on.

The kernel takes plain float64 arrays (Numba-friendly) and these integer
constants name their slots. One place defines them; the driver, the point
runner, the tests and the writers all import from here.

State (per column): ``sstate[NSTATE]`` holds the scalar prognostic state in
the order of the reference dump ``state_hp.txt`` (numbers 1-13), and three
``(nsoil,)`` arrays hold STC [K], SMC [m3 m-3] and SH2O [m3 m-3].
"""

# --- scalar state (order of state_hp.txt, numbers 1-13) --------------------
S_T1 = 0  # skin temperature [K]
S_CMC = 1  # canopy water [m]
S_SNOWH = 2  # snow depth [m]
S_SNEQV = 3  # snow water equivalent [m]
S_SNOTIME1 = 4  # time since last snowfall [s]
S_RIBB = 5  # bulk Richardson number [-]
S_Z0 = 6  # roughness length, snow adjusted [m]
S_Z0BRD = 7  # background roughness length [m]
S_ALBEDO = 8  # surface albedo incl. snow [-]
S_EMISSI = 9  # surface emissivity [-]
S_CH = 10  # exchange coefficient heat/moisture, times wind [m s-1]
S_CM = 11  # exchange coefficient momentum, times wind [m s-1]
S_Q1 = 12  # effective surface specific humidity [kg kg-1]
NSTATE = 13

STATE_NAMES = (
    "T1", "CMC", "SNOWH", "SNEQV", "SNOTIME1", "RIBB", "Z0", "Z0BRD",
    "ALBEDO", "EMISSI", "CH", "CM", "Q1",
)

# --- forcing of one step (per column) ---------------------------------------
F_SFCSPD = 0  # wind speed [m s-1]
F_SFCTMP = 1  # air temperature at ZLVL [K]
F_Q2 = 2  # specific humidity at ZLVL [kg kg-1]
F_SFCPRS = 3  # surface pressure [Pa]
F_SOLDN = 4  # downward shortwave [W m-2]
F_LWDN = 5  # downward longwave as forced (before x emissivity) [W m-2]
F_PRCP = 6  # precipitation rate [kg m-2 s-1]
F_SHDFAC = 7  # green vegetation fraction of this step [-]
NFORC = 8

FORCING_NAMES = ("SFCSPD", "SFCTMP", "Q2", "SFCPRS", "SOLDN", "LWDN", "PRCP", "SHDFAC")

# --- soil class parameters (one row per class or per layer) -----------------
# Column order of SOILPARM.TBL (STAS block).
SP_BB = 0  # Clapp-Hornberger b [-]
SP_DRYSMC = 1  # air-dry soil moisture [m3 m-3]
SP_F11 = 2  # (unused by the physics)
SP_MAXSMC = 3  # porosity [m3 m-3]
SP_REFSMC = 4  # reference (field capacity) soil moisture [m3 m-3]
SP_SATPSI = 5  # saturated matric potential [m]
SP_SATDK = 6  # saturated hydraulic conductivity [m s-1]
SP_SATDW = 7  # saturated soil water diffusivity [m2 s-1]
SP_WLTSMC = 8  # wilting point [m3 m-3]
SP_QTZ = 9  # quartz fraction [-]
NSOILP = 10

SOILP_NAMES = ("BB", "DRYSMC", "F11", "MAXSMC", "REFSMC", "SATPSI", "SATDK", "SATDW", "WLTSMC", "QTZ")

# --- per-column scalar parameters and configuration -------------------------
# Filled by noahperm.model.columns.build_columns() from the tables (GENPARM,
# VEGPARM for the column's vegetation class, SLOPE_DATA for its slope class)
# and the column's configuration (noahperm.model.parameters.apply_parameters()
# returns a copy with a calibrated parameter set). Units as in REFERENCE_MODEL.md section 5.
P_SBETA = 0  # exponent of canopy attenuation of ground heat flux [-]
P_FXEXP = 1  # bare-soil evaporation exponent [-]
P_CSOIL = 2  # heat capacity of soil solids [J m-3 K-1]
P_SALP = 3  # snow-cover shape parameter [-]
P_REFDK = 4  # reference saturated conductivity [m s-1]
P_REFKDT = 5  # surface-runoff parameter [-]
P_FRZK = 6  # frozen-ground parameter (inactive with OPT_INF=2) [-]
P_ZBOT = 7  # depth of the lower temperature boundary (negative) [m]
P_CZIL = 8  # Zilitinkevich coefficient [-]
P_LVCOEF = 9  # snow-albedo coefficient [-]
P_SLOPE = 10  # bottom drainage factor [-]
P_NROOT = 11  # number of root layers [-] (stored as float)
P_RSMIN = 12  # minimum stomatal resistance [s m-1]
P_RGL = 13  # radiation stress parameter [W m-2]
P_HS = 14  # vapour-pressure-deficit parameter [-]
P_SNUP = 15  # SWE for full snow cover [m]
P_LAIMIN = 16  # [m2 m-2]
P_LAIMAX = 17  # [m2 m-2]
P_EMISSMIN = 18  # [-]
P_EMISSMAX = 19  # [-]
P_ALBEDOMIN = 20  # [-]
P_ALBEDOMAX = 21  # [-]
P_Z0MIN = 22  # [m]
P_Z0MAX = 23  # [m]
P_TOPT = 24  # optimum transpiration air temperature [K]
P_CMCMAX = 25  # maximum canopy water [m]
P_CFACTR = 26  # canopy water exponent [-]
P_RSMAX = 27  # maximum stomatal resistance [s m-1]
P_SHDMIN = 28  # minimum green vegetation fraction [-]
P_SHDMAX = 29  # maximum green vegetation fraction [-]
P_SNOALB = 30  # maximum albedo of fresh snow [-]
P_ZLVL = 31  # height of air temperature and humidity [m]
P_ZLVL_WIND = 32  # height of wind [m]
P_TBOT = 33  # temperature at ZBOT [K]
P_ISBARE = 34  # 1 if the vegetation class is the table's BARE class (SHDFAC = 0)
P_ISURBAN = 35  # 1 if the vegetation class is urban
P_SFCDIF = 36  # surface exchange option: 0 SFCDIF_off, 1 MYJ, 2 Y08
P_IZ0TLND = 37  # CZIL from Z0 (1) or from the table (0); options 0/1 only
P_MODE = 38  # soil-parameter mode: 0 reference, 1 consistent
NPAR = 39

PAR_NAMES = (
    "SBETA", "FXEXP", "CSOIL", "SALP", "REFDK", "REFKDT", "FRZK", "ZBOT", "CZIL", "LVCOEF",
    "SLOPE", "NROOT", "RSMIN", "RGL", "HS", "SNUP", "LAIMIN", "LAIMAX", "EMISSMIN", "EMISSMAX",
    "ALBEDOMIN", "ALBEDOMAX", "Z0MIN", "Z0MAX", "TOPT", "CMCMAX", "CFACTR", "RSMAX", "SHDMIN",
    "SHDMAX", "SNOALB", "ZLVL", "ZLVL_WIND", "TBOT", "ISBARE", "ISURBAN", "SFCDIF", "IZ0TLND",
    "MODE",
)

MODE_REFERENCE = 0
MODE_CONSISTENT = 1

# --- diagnostics of one step -------------------------------------------------
# The first NDIAG_REF are those of state_hp.txt (numbers 68-108), in its order and units;
# then the soil heat budget of the step: GSOIL, the heat flux into the soil through the
# surface as applied by the soil heat solve [W m-2, positive downward] (equal to -SSOIL without
# snow; under snow the reference reports the snow-soil flux before the solve as SSOIL), GBOT,
# the heat flux into the column through ZBOT [W m-2, positive upward], and DHSOIL, the change of
# soil heat content in the solve, sensible plus latent [W m-2]: DHSOIL = GSOIL + GBOT.
DIAG_NAMES = (
    "SHEAT", "ETA", "ETAKIN", "SSOIL", "ETP", "EC", "EDIR", "ETT", "ESNOW", "RUNOFF1",
    "RUNOFF2", "RUNOFF3", "SNCOVR", "FLX1", "FLX2", "FLX3", "SNOMLT", "DEW", "DRIP", "BETA",
    "RC", "PC", "XLAI", "SHDFAC", "ALB", "EMBRD", "SOLNET", "LWDN", "SOLDN", "SFCTMP", "Q2",
    "SFCPRS", "SFCSPD", "PRCP", "FFROZP", "TH2", "Q2SAT", "DQSDT2", "SOILM", "SOILW", "FDOWN",
    "GSOIL", "GBOT", "DHSOIL",
)
(D_SHEAT, D_ETA, D_ETAKIN, D_SSOIL, D_ETP, D_EC, D_EDIR, D_ETT, D_ESNOW, D_RUNOFF1,
 D_RUNOFF2, D_RUNOFF3, D_SNCOVR, D_FLX1, D_FLX2, D_FLX3, D_SNOMLT, D_DEW, D_DRIP, D_BETA,
 D_RC, D_PC, D_XLAI, D_SHDFAC, D_ALB, D_EMBRD, D_SOLNET, D_LWDN, D_SOLDN, D_SFCTMP, D_Q2,
 D_SFCPRS, D_SFCSPD, D_PRCP, D_FFROZP, D_TH2, D_Q2SAT, D_DQSDT2, D_SOILM, D_SOILW,
 D_FDOWN, D_GSOIL, D_GBOT, D_DHSOIL) = range(44)
NDIAG = 44
NDIAG_REF = 41
