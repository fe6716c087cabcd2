"""Checks of the Snakemake HTML report (tests/test_workflow_demo.py): what it lists, and how
it renders in headless Chromium (Debian package ``chromium``, installed with apt-get when
missing and this is root; tests/slurm_cluster.py installs its packages the same way).

    python tests/report_check.py install      # apt-get chromium if missing (root)
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from apt_packages import apt_install

PACKAGES = ("chromium",)


def chromium() -> str | None:
    """Path of the Chromium binary, or None."""
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    return None


def install() -> str:
    """Chromium's path, installed from Debian first when missing (needs root and apt-get);
    RuntimeError when it cannot be installed."""
    if chromium():
        return chromium()
    apt_install(PACKAGES, "chromium is not installed")
    if not chromium():
        raise RuntimeError("apt-get installed chromium but no chromium binary is on PATH")
    return chromium()


def report_results(html: str) -> dict:
    """The report's results (``var results = {...};``): path -> entry (caption, mime_type,
    data_uri, ...), as the report's own JavaScript reads them."""
    m = re.search(r'<script id="results">\s*var results = (.*?);\s*</script>', html, re.S)
    if m is None:
        raise AssertionError("the report has no results script")
    return json.loads(m.group(1))


def report_categories(html: str) -> dict:
    m = re.search(r'<script id="categories">\s*var categories = (.*?);\s*</script>', html, re.S)
    if m is None:
        raise AssertionError("the report has no categories script")
    return json.loads(m.group(1))


#: Script appended to a copy of the report: once the app is up, show one result's image the
#: way a click on its button does (result_view_button.js: setView content "img").
_SHOW = """
<script>
setTimeout(function () {
  var key = Object.keys(results).find(function (k) { return k.endsWith(%s); });
  if (key) { app.setView({content: "img", contentPath: results[key].data_uri,
                          resultPath: key, navbarMode: "resultinfo"}); }
  else { document.title = "NOT FOUND"; }
}, 1500);
</script>
"""


def with_view_of(html: str, suffix: str) -> str:
    """The report's HTML that opens on the image result whose path ends in ``suffix``."""
    head, sep, tail = html.rpartition("</body>")  # the last: scripts hold the string too
    if not sep:
        raise AssertionError("the report has no </body>")
    return head + _SHOW % json.dumps(suffix) + sep + tail


def screenshot(browser: str, html_file: Path, png: Path, size=(1400, 1000),
               budget_ms: int = 8000) -> Path:
    """Render ``html_file`` in headless Chromium to ``png`` (the JavaScript given
    ``budget_ms`` of virtual time)."""
    cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
           "--disable-dev-shm-usage", f"--window-size={size[0]},{size[1]}",
           f"--virtual-time-budget={budget_ms}", f"--screenshot={png}",
           html_file.resolve().as_uri()]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=120,
                         env={**os.environ, "HOME": str(png.parent)})
    if res.returncode != 0 or not png.is_file():
        raise AssertionError(f"chromium failed ({res.returncode}): {res.stderr[-2000:]}")
    return png


def dump_dom(browser: str, html_file: Path, budget_ms: int = 8000) -> str:
    """The document after its JavaScript ran in headless Chromium (``--dump-dom``)."""
    cmd = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
           f"--virtual-time-budget={budget_ms}", "--dump-dom", html_file.resolve().as_uri()]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=120,
                         env={**os.environ, "HOME": str(html_file.parent)})
    if res.returncode != 0:
        raise AssertionError(f"chromium failed ({res.returncode}): {res.stderr[-2000:]}")
    return res.stdout


def image_stats(png: Path, left: float = 0.0) -> dict:
    """Grey-level statistics of a screenshot, right of ``left`` (a share of its width: 0.3
    leaves the report's navigation bar out): ``std`` (pixel standard deviation, 0-255),
    ``non_white`` (share of pixels darker than 245), ``colour`` (share of pixels whose
    channels differ by more than 40: colour content such as a figure)."""
    import matplotlib.image as mpimg

    a = mpimg.imread(png)[..., :3].astype(float)
    a = a[:, int(left * a.shape[1]):]
    if a.max() <= 1.0:
        a = a * 255.0
    grey = a.mean(axis=2)
    spread = a.max(axis=2) - a.min(axis=2)
    return {"std": float(grey.std()), "non_white": float((grey < 245).mean()),
            "colour": float((spread > 40).mean())}


if __name__ == "__main__":
    if sys.argv[1:] == ["install"]:
        print(install())
        sys.exit(0)
    if len(sys.argv) == 2:
        print(image_stats(Path(sys.argv[1])))
        sys.exit(0)
    print(__doc__)
    sys.exit(2)
