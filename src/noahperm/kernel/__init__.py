"""The Noah LSM column kernel (Numba, float64, SI units, arrays in and out, no I/O).

Modules map to the reference routines (see docs/kernel.md):
``sfcdif`` (SFCDIF_off, SFCDIF_MYJ, SFCDIF_MYJ_Y08, CALTMP, CALHUM),
``energy`` (PENMAN, CANRES, DEVAP, TRANSP, EVAPO), ``branches`` (NOPAC, SNOPAC),
``snow`` (SNFRAC, ALCALC, SNOW_NEW, SNOWPACK, SNOWZ0, CSNOW),
``soil_heat`` (TDFCND_C05, FRH2O, SNKSRC, TBND, TMPAVG, HRT, HSTEP, ROSR12, SHFLX),
``soil_water`` (WDFCND_NY06, FAC2MIT, SRT, SSTEP, SMFLX), ``column`` (the driver
pre-step and SFLX), ``driver`` (many columns in parallel), ``layout`` (array slots).
"""
