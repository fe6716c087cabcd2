"""Trends (paper section 2.7, Table 3): ensemble means with their confidence interval, the
Mann-Kendall test and Sen's slope over the change periods CR1, CR2 and CR (docs/results.md)."""
