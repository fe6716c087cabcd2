"""Physical constants of the reference model, with units and where each is defined.

The reference Fortran defines the same quantity with different values in
different places (e.g. the specific heat of air is 1004.5 in SFLX, 1004.6 in
PENMAN and 1004.0 in the Y08 surface layer). To reproduce it, each routine
uses the constant of its own Fortran scope; the names below say which.

This module is the one place for physical constants in noahperm: the last section holds those
that code outside the kernel uses (the reference driver's humidity conversion, the demo world's
weather generator), so that nothing redefines them.
"""

TFREEZ = 273.15  # freezing point [K]
LVH2O = 2.501e6  # latent heat of vaporisation, SFLX [J kg-1]
LSUBS = 2.83e6  # latent heat of sublimation, SFLX/SNOPAC/PENMAN [J kg-1]
LSUBF = 3.335e5  # latent heat of fusion, module_sf_noahlsm [J kg-1]
R_SFLX = 287.04  # gas constant of dry air, SFLX local R [J kg-1 K-1]
RD = 287.04  # gas constant of dry air, module_sf_noahlsm RD [J kg-1 K-1]
CP = 1004.5  # specific heat of air, module_model_constants (7 R_d / 2) [J kg-1 K-1]
CP_PENMAN = 1004.6  # specific heat of air, PENMAN local [J kg-1 K-1]
SIGMA = 5.67e-8  # Stefan-Boltzmann constant [W m-2 K-4]
CPH2O = 4.218e3  # specific heat of water, per mass [J kg-1 K-1]
CPICE = 2.106e3  # specific heat of ice, per mass [J kg-1 K-1]
EMISSI_S = 0.95  # emissivity of snow [-]
ELCP = 2.4888e3  # LSUBC / CP, PENMAN [K]
LSUBC = 2.501e6  # latent heat of vaporisation, PENMAN/SNOPAC [J kg-1]

# HRT (volumetric heat capacities)
CAIR_V = 1004.0  # "CAIR" in HRT (used as volumetric) [J m-3 K-1]
CICE_V = 2.106e6  # volumetric heat capacity of ice [J m-3 K-1]
CH2O_V = 4.2e6  # volumetric heat capacity of water [J m-3 K-1]

# SNKSRC / FRH2O
DH2O = 1.0e3  # density of water [kg m-3]
HLICE = 3.335e5  # latent heat of fusion [J kg-1]
GS = 9.81  # gravity in FRH2O [m s-2]

# urban settings of SFLX/HRT (vegetation class ISURBAN)
URBAN_DF = 3.24  # thermal conductivity [W m-1 K-1]
URBAN_CSOIL = 3.0e6  # [J m-3 K-1]

# --- used outside the kernel -------------------------------------------------------------------
# The reference driver's humidity conversion (read_forcing_text, EsFuncT after Rogers and Yau
# 1989), in noahperm.point.input_file.
EPSILON = 0.622  # ratio of the gas constants of dry air and water vapour, Rd/Rv [-]
RV_ESFUNCT = 461.5  # gas constant of water vapour, EsFuncT [J kg-1 K-1]
CPV_ESFUNCT = 1870.0  # specific heat of water vapour at constant pressure, EsFuncT [J kg-1 K-1]
CW_ESFUNCT = 4187.0  # specific heat of liquid water, EsFuncT [J kg-1 K-1]
ESO_ESFUNCT = 611.2  # saturation vapour pressure at TFREEZ, EsFuncT [Pa]

# The demo world's weather generator (noahperm.demo_world.generator.climate): standard and
# CODATA values, not the reference model's; a change alters the generated forcing.
G_STANDARD = 9.80665  # standard gravity [m s-2]
RD_GENERATOR = 287.05  # gas constant of dry air [J kg-1 K-1]
SIGMA_CODATA = 5.670374419e-8  # Stefan-Boltzmann constant, CODATA 2018 [W m-2 K-4]
SOLAR_CONSTANT = 1361.0  # total solar irradiance at 1 AU [W m-2]
