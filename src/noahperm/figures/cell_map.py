"""Maps of per-cell values on the model's regular longitude-latitude grid (cell centres ``lon``,
``lat`` [deg]): the cells are placed on the grid spanned by their centres and drawn with
``pcolormesh``; cells not given (not simulated, e.g. glacier or lake) stay blank."""

from __future__ import annotations

import numpy as np


def grid_of(lon, lat, values):
    """(lon edges, lat edges, 2-D values (lat, lon) with NaN where no cell) of per-cell
    ``values`` at centres ``lon``, ``lat`` [deg] on a regular grid (spacing: the smallest
    difference between distinct centres; a single row or column gets 0.1 deg)."""
    lon = np.asarray(lon, float)
    lat = np.asarray(lat, float)
    v = np.asarray(values, float)

    def axis(x):
        u = np.unique(np.round(x, 6))
        step = float(np.min(np.diff(u))) if u.size > 1 else 0.1
        n = int(round((u[-1] - u[0]) / step)) + 1
        return u[0], step, n

    x0, dx, nx = axis(lon)
    y0, dy, ny = axis(lat)
    grid = np.full((ny, nx), np.nan)
    ix = np.rint((lon - x0) / dx).astype(int)
    iy = np.rint((lat - y0) / dy).astype(int)
    grid[iy, ix] = v
    xe = x0 - dx / 2 + dx * np.arange(nx + 1)
    ye = y0 - dy / 2 + dy * np.arange(ny + 1)
    return xe, ye, grid


def draw(ax, lon, lat, values, *, cmap, vmin=None, vmax=None, label="", marks=None):
    """Draw per-cell ``values`` on ``ax`` with a colour bar titled ``label``; ``marks`` (bool
    per cell) get a dot (e.g. a significant trend). Returns the mesh."""
    xe, ye, grid = grid_of(lon, lat, values)
    ax.set_facecolor("0.92")
    mesh = ax.pcolormesh(xe, ye, np.ma.masked_invalid(grid), cmap=cmap, vmin=vmin, vmax=vmax,
                         shading="flat")
    if marks is not None and np.any(marks):
        m = np.asarray(marks, bool)
        ax.plot(np.asarray(lon)[m], np.asarray(lat)[m], ".", color="k", ms=2)
    ax.set_aspect(1.0 / np.cos(np.deg2rad(np.nanmean(lat))))
    ax.set_xlabel("longitude (°E)")
    ax.set_ylabel("latitude (°N)")
    cb = ax.figure.colorbar(mesh, ax=ax, shrink=0.85)
    cb.set_label(label)
    return mesh
