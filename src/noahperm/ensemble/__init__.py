"""Ensembles (paper section 3.4, Figures 8 and S8): the members of each calibrated experiment
summarised per cell (ensemble mean and 95 % CI of the permafrost variables, the share of
members with permafrost) and the members' votes for permafrost loss or gain (docs/results.md,
"Ensembles")."""
