"""The demo's twin "truth" (placeholder docstring)."""
