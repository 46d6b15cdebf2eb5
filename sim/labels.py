"""String columns for result tables, built fast: a label per row from a short list of names and
one code per row, taken in Arrow (pandas' own string storage) rather than through Python objects."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import pyarrow as pa

STR = pd.StringDtype(na_value=np.nan)  # pandas' default `str` dtype

# Firm size classes for reporting (head count at the start), the bands statistical offices use
# (Eurostat/OECD enterprise size classes; 250-999 splits the large ones). Engine and report share
# them from here, so a report from cached runs need not load the engine.
SIZE_CLASS_EDGES = (10, 50, 250, 1000)  # employees: 1-9, 10-49, 50-249, 250-999, 1000+
SIZE_CLASSES = ("1-9", "10-49", "50-249", "250-999", "1000+")


def labels(names: Sequence[str], codes: np.ndarray, repeat: int = 1) -> pd.Series:
    """`names[codes]` as a pandas string column; with `repeat`, that column `repeat` times over
    (as for np.tile(codes, repeat), at the cost of copying rather than looking up each row)."""
    taken = pa.array([str(n) for n in names], type=pa.string()).take(pa.array(np.asarray(codes, np.int64)))
    if repeat != 1:
        taken = pa.concat_arrays([taken] * repeat) if repeat > 0 else taken.slice(0, 0)
    return pd.Series(pd.array(taken, dtype=STR))
