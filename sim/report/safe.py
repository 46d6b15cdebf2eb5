"""Text cells that a spreadsheet must not run: a cell starting with = + - @ (or a tab or
carriage return, which some programs strip first) is read by Excel, LibreOffice and Google Sheets
as a formula when a CSV is opened, so a scenario named `=HYPERLINK(...)` could run one. Such text
gets a leading apostrophe, as OWASP's guidance on CSV injection recommends; numbers are left alone."""

from __future__ import annotations

import pandas as pd

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value: str) -> str:
    return "'" + value if value.startswith(TRIGGERS) else value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells and column names are safe (column names hold scenario labels in
    the assumptions table); only text columns are touched (vectorised)."""
    out = frame.rename(columns=lambda c: safe_text(c) if isinstance(c, str) else c)
    for name in out.columns:
        col = out[name]
        if not len(col):  # an empty column has nothing to escape (and keeps its dtype)
            continue
        if isinstance(col.dtype, pd.StringDtype):  # every value is text or missing: vectorised
            risky = col.str.startswith(TRIGGERS, na=False).astype(bool)
        elif col.dtype == object or pd.api.types.is_string_dtype(col):  # mixed: look at each value
            text = col.map(lambda v: isinstance(v, str))
            risky = text & col.astype(str).str.startswith(TRIGGERS)
        else:
            continue
        if risky.any():
            out[name] = col.where(~risky, "'" + col.astype(str))
    return out
