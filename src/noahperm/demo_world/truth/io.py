"""Reproducible workbook bytes of the truth's observation file (written with
``noahperm.core.fileio.atomic_file``, re-exported here for the callers that import it from here)."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

from noahperm.core.fileio import atomic_file

__all__ = ["atomic_file", "normalise_xlsx"]

#: Fixed time stamp of the workbook's zip entries and document properties (reproducible bytes).
_ZIP_TIME = (2019, 1, 1, 0, 0, 0)
_ISO_TIME = "2019-01-01T00:00:00Z"


def normalise_xlsx(path: Path) -> None:
    """Rewrite an .xlsx (a zip) in place with fixed entry times and document dates, so that the
    same content gives the same bytes."""
    with zipfile.ZipFile(path) as z:
        entries = [(i.filename, z.read(i.filename)) for i in z.infolist()]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in entries:
            if name == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(<)",
                              rb"\g<1>" + _ISO_TIME.encode() + rb"\g<2>", data)
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, data)
    path.write_bytes(buf.getvalue())
