"""The person-level panel (opt-in): one row per person and month, written to Parquet as the run
goes, one row group per month, so memory stays at one month of people whatever the horizon.

For researchers who want their own estimators (event studies, quantile effects, matching on
observables) rather than the model's tables. A run with a twin adds each person's status and
earnings in the no-fund world: the individual treatment effect is a column difference."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from sim.engine.counterfactual import unpack_state
from sim.engine.impact import PROGRAMME_NAMES, programme_name
from sim.engine.workers import EXTERNSHIP, STATUS_NAMES, Population

# By Population.prog_kind code.
PROGRAMMES = tuple(programme_name(i) for i in range(max(PROGRAMME_NAMES) + 1))

DESCRIPTIONS = {
    "month": "Month of the run (1 = first).",
    "person": "Person id (the same person in the fund run and its twin, and across scenarios on a seed).",
    "sector": "The person's sector (index into the scenario's sectors).",
    "group": "Worker group: 0 job ready, 1 hard to serve.",
    "status": "Status at the month's end: " + ", ".join(f"{i} {s}" for i, s in enumerate(STATUS_NAMES)) + ".",
    "employer": "Employer (host firm for apprentices and externs' host); -1 none.",
    "wage": "Monthly wage in the current (or last) job ($).",
    "earnings": "Earnings this month ($: wages, apprentice pay or stipend).",
    "credential": "Highest credential rung: 0 none .. 3 advanced.",
    "programme": "Programme now: " + ", ".join(f"{i} {s}" for i, s in enumerate(PROGRAMMES)) + ".",
    "provider": "Provider of the current (or last) programme; -1 none.",
    "participant": "Has started fund-paid training (intent to treat).",
    "first_fund_month": "Month of the first fund-paid start; -1 none (or no twin to compare with).",
    "twin_status": "Status in the no-fund twin (-1 without a twin).",
    "twin_earnings": "Earnings in the no-fund twin ($; NaN without a twin).",
    "twin_credential": "Highest credential rung in the twin (-1 without a twin).",
}
SCHEMA = pa.schema([
    ("month", pa.int16()), ("person", pa.int32()), ("sector", pa.int8()), ("group", pa.int8()),
    ("status", pa.int8()), ("employer", pa.int32()), ("wage", pa.float32()), ("earnings", pa.float32()),
    ("credential", pa.int8()), ("programme", pa.int8()), ("provider", pa.int16()),
    ("participant", pa.bool_()), ("first_fund_month", pa.int32()), ("twin_status", pa.int8()),
    ("twin_earnings", pa.float32()), ("twin_credential", pa.int8()),
])
assert list(SCHEMA.names) == list(DESCRIPTIONS)


class PanelWriter:
    """Writes each month's rows to `path` (a Parquet file, written under a temporary name and
    renamed when the run ends, so a stopped run leaves no half file)."""

    def __init__(self, path: str | Path, people: int) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = self.path.with_name(f".{self.path.name}.tmp")
        self.person = pa.array(np.arange(people, dtype=np.int32))
        self.writer: pq.ParquetWriter | None = pq.ParquetWriter(self.tmp, SCHEMA, compression="zstd")

    def write(self, p: Population, month: int, twin_earnings: np.ndarray | None,
              twin_state: np.ndarray | None) -> None:
        n = p.n
        employer = np.where(p.status == EXTERNSHIP, p.ext_host, p.employer).astype(np.int32)
        if twin_state is None:
            tw_status = np.full(n, -1, np.int8)
            tw_rung = np.full(n, -1, np.int8)
            tw_earn = np.full(n, np.nan, np.float32)
        else:
            tw_status, tw_rung = (a.astype(np.int8) for a in unpack_state(twin_state))
            tw_earn = np.asarray(twin_earnings, dtype=np.float32)
        cols = [np.full(n, month, np.int16), self.person, p.sector, p.group, p.status, employer,
                p.wage, p.earnings, p.rung, p.prog_kind, p.prog_provider, p.participant,
                p.first_fund_month, tw_status, tw_earn, tw_rung]
        arrays = [c if isinstance(c, pa.Array)
                  else pa.array(np.asarray(c).astype(t.to_pandas_dtype(), copy=False))
                  for c, t in zip(cols, SCHEMA.types, strict=True)]
        assert self.writer is not None, "the panel is closed"
        self.writer.write_table(pa.Table.from_arrays(arrays, schema=SCHEMA))

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None
            self.tmp.replace(self.path)

    def abort(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None
            self.tmp.unlink(missing_ok=True)
