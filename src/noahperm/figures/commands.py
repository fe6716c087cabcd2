"""Sub-commands of the figures stage (see :mod:`noahperm.cli`): one per figure."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_plot_permafrost_area(p: argparse.ArgumentParser) -> None:
    p.add_argument("--permafrost", type=Path, required=True, metavar="PERMAFROST.zarr",
                   help="diagnostics of the member (rule diagnose)")
    p.add_argument("--raw-dir", type=Path, required=True, metavar="RAW_DIR",
                   help="raw_dir (its 2010 permafrost map, when present, is drawn)")
    p.add_argument("--nw-lon-max", type=float, required=True,
                   help="north-west box: cells west of this longitude [deg E]")
    p.add_argument("--nw-lat-min", type=float, required=True,
                   help="north-west box: cells north of this latitude [deg N]")
    p.add_argument("--title", default="CaliFree: permafrost area and air temperature",
                   help="figure title")
    p.add_argument("--png", type=Path, required=True, help="figure to write")
    p.add_argument("--csv", type=Path, required=True, help="the plotted numbers to write")


def run_plot_permafrost_area(args: argparse.Namespace) -> int:
    from noahperm.figures.permafrost_area import make_figure

    make_figure(args.permafrost, args.raw_dir, {"lon_max": args.nw_lon_max,
                                                 "lat_min": args.nw_lat_min},
                args.title, args.png, args.csv)
    return 0


def add_plot_validation_ranking(p: argparse.ArgumentParser) -> None:
    p.add_argument("--ranking", type=Path, required=True, metavar="CSV",
                   help="results/validation/ranking.csv (rule validate)")
    p.add_argument("--png", type=Path, required=True, help="figure to write")


def run_plot_validation_ranking(args: argparse.Namespace) -> int:
    from noahperm.figures.validation_ranking import make_figure

    make_figure(args.ranking, args.png)
    return 0


def add_plot_validation_scatter(p: argparse.ArgumentParser) -> None:
    p.add_argument("--pairs", type=Path, required=True, metavar="CSV",
                   help="results/validation/pairs.csv (rule validate)")
    p.add_argument("--experiment", required=True, help="the experiment to plot")
    p.add_argument("--png", type=Path, required=True, help="figure to write")


def run_plot_validation_scatter(args: argparse.Namespace) -> int:
    from noahperm.figures.validation_scatter import make_figure

    make_figure(args.pairs, args.experiment, args.png)
def add_plot_calibration(p: argparse.ArgumentParser) -> None:
    p.add_argument("experiments", nargs="+", type=Path, metavar="DIR",
                   help="results/calibration/<experiment> folders (history.csv, threshold.json)")
    p.add_argument("--png", type=Path, required=True, help="figure to write")


def run_plot_calibration(args: argparse.Namespace) -> int:
    from noahperm.figures.calibration import plot_calibration

    plot_calibration(args.experiments, args.png)
    return 0


def add_plot_calibration_site(p: argparse.ArgumentParser) -> None:
    p.add_argument("series", type=Path, metavar="SITE_SERIES.csv",
                   help="results/calibration/<experiment>/site_series.csv")
    p.add_argument("--title", default="site calibration", help="figure title")
    p.add_argument("--png", type=Path, required=True, help="figure to write")


def run_plot_calibration_site(args: argparse.Namespace) -> int:
    from noahperm.figures.calibration import plot_site_series

    plot_site_series(args.series, args.png, args.title)
def add_plot_sensitivity(p: argparse.ArgumentParser) -> None:
    p.add_argument("--ranking", type=Path, required=True, metavar="CSV",
                   help="results/sensitivity/ranking.csv (rule sensitivity_analyse)")
    p.add_argument("--ivars", type=Path, required=True, metavar="CSV",
                   help="results/sensitivity/ivars.csv (rule sensitivity_analyse)")
    p.add_argument("--cells", type=Path, required=True, metavar="JSON",
                   help="results/sensitivity/cells.json (rule sensitivity_samples)")
    p.add_argument("--fig4", type=Path, required=True, metavar="PNG",
                   help="the rank heatmap (the paper's Figure 4) to write")
    p.add_argument("--per-cell", type=Path, nargs="+", required=True, metavar="PNG",
                   help="IVARS50 per parameter, one figure per analysis cell (S1-S3)")


def run_plot_sensitivity(args: argparse.Namespace) -> int:
    from noahperm.figures.sensitivity import ivars_per_cell, rank_heatmap

    rank_heatmap(args.ranking, args.cells, args.fig4)
    ivars_per_cell(args.ivars, args.cells, args.per_cell)
    return 0


def add_plot_trends(p: argparse.ArgumentParser) -> None:
    p.add_argument("--series", type=Path, required=True, metavar="CSV",
                   help="results/trends/<experiment>/series.csv (rule trends)")
    p.add_argument("--trends", type=Path, required=True, metavar="CSV",
                   help="results/trends/<experiment>/trends.csv (rule trends)")
    p.add_argument("--maps", type=Path, required=True, metavar="ZARR",
                   help="results/trends/<experiment>/trend_maps.zarr (rule trends)")
    p.add_argument("--experiment", required=True, help="the experiment (figure title)")
    p.add_argument("--period", default="CR",
                   help="change period of the maps (a name of config trends.periods)")
    p.add_argument("--out", type=Path, nargs="+", required=True, metavar="FILE",
                   help="figure files to write (.png, .svg, .pdf)")


def run_plot_trends(args: argparse.Namespace) -> int:
    from noahperm.figures.thermal_trends import make_figure

    make_figure(args.series, args.trends, args.maps, args.experiment, args.period, args.out)
    return 0


def add_plot_relative_to_calimap(p: argparse.ArgumentParser) -> None:
    p.add_argument("--series", type=Path, nargs="+", required=True, metavar="CSV",
                   help="every experiment's results/trends/<experiment>/series.csv")
    p.add_argument("--trends", type=Path, nargs="+", required=True, metavar="CSV",
                   help="every experiment's results/trends/<experiment>/trends.csv")
    p.add_argument("--year", type=int, required=True,
                   help="the map year [a] (config truth.map_year; 2010 in the paper)")
    p.add_argument("--out", type=Path, nargs="+", required=True, metavar="FILE",
                   help="figure files to write (.png, .svg, .pdf)")
    p.add_argument("--csv", type=Path, required=True, help="the plotted numbers to write")


def run_plot_relative_to_calimap(args: argparse.Namespace) -> int:
    from noahperm.figures.relative_to_calimap import make_figure

    make_figure(args.series, args.trends, args.year, args.out, csv=args.csv)
    return 0


def add_plot_ensemble(p: argparse.ArgumentParser) -> None:
    p.add_argument("--experiments", nargs="+", required=True, help="the calibrated experiments")
    p.add_argument("--trend-maps", type=Path, nargs="+", required=True, metavar="ZARR",
                   help="each experiment's trends/<e>/trend_maps.zarr, in the same order")
    p.add_argument("--series", type=Path, nargs="+", required=True, metavar="CSV",
                   help="each experiment's trends/<e>/series.csv, in the same order")
    p.add_argument("--cells", type=Path, nargs="+", required=True, metavar="ZARR",
                   help="each experiment's ensemble/<e>/cells.zarr, in the same order")
    p.add_argument("--raw-dir", type=Path, default=None, metavar="RAW_DIR",
                   help="raw_dir (its 2010 permafrost map, when present, is drawn)")
    p.add_argument("--map-year", type=int, default=2010,
                   help="year of the permafrost map (where its area is drawn)")
    p.add_argument("--first-year", type=int, default=1980, help="first year of the series")
    p.add_argument("--png", type=Path, required=True, help="figure to write")
    p.add_argument("--pdf", type=Path, default=None, help="the same figure as PDF")


def run_plot_ensemble(args: argparse.Namespace) -> int:
    from noahperm.core.errors import InputError
    from noahperm.figures.ensemble import make_figure

    n = len(args.experiments)
    for opt in ("trend_maps", "series", "cells"):
        if len(getattr(args, opt)) != n:
            raise InputError(f"one path per experiment ({n}), got {len(getattr(args, opt))}",
                             field="--" + opt.replace("_", "-"))
    make_figure(args.experiments, args.trend_maps, args.series, args.cells, args.raw_dir,
                args.png, args.pdf, args.first_year, args.map_year)
    return 0


def add_plot_ensemble_spread(p: argparse.ArgumentParser) -> None:
    p.add_argument("members", type=Path, nargs="+", metavar="DIR",
                   help="the members' folders results/<experiment>/<member> (area.csv, "
                        "regional_means.csv)")
    p.add_argument("--first-year", type=int, default=1980, help="first year of the series")
    p.add_argument("--png", type=Path, required=True, help="figure to write")
    p.add_argument("--pdf", type=Path, default=None, help="the same figure as PDF")


def run_plot_ensemble_spread(args: argparse.Namespace) -> int:
    from noahperm.figures.ensemble_spread import make_figure

    make_figure(args.members, args.png, args.pdf, args.first_year)
    return 0
