"""Independent validation (paper section 2.6): observed ALT, TTOP and GT10m per site and year,
their change rates, RMSE and MBE of each experiment per site and over the network, and the
ranking of the experiments (docs/results.md)."""
