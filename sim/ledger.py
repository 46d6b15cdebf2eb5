"""The ledger: every movement of money as a row (month, payer, payee, category, cents).

Amounts are integer cents and always positive; direction is payer -> payee. Rows are buffered
as NumPy chunks (one per call) and turned into a DataFrame once, at the end of a run."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd


# -- cents: one place for the rounding rules --------------------------------------------
def round_cents(cents: np.ndarray | float) -> np.ndarray:
    """Fractional cents to integer cents, rounded half away from zero (one place for the rounding rule)."""
    c = np.asarray(cents, dtype=np.float64)
    return (np.sign(c) * np.floor(np.abs(c) + 0.5)).astype(np.int64)


def to_cents(dollars: np.ndarray | float) -> np.ndarray:
    """Dollars to integer cents, rounded half away from zero (see `round_cents`)."""
    return round_cents(np.asarray(dollars, dtype=np.float64) * 100.0)


def floor_cents(cents: np.ndarray | float) -> np.ndarray:
    """Fractional cents down to whole cents, forgiving binary floating-point error: 0.7 * 164000
    is 114799.99999999999 in float64 but 114,800 cents exactly, so a plain floor loses a cent."""
    c = np.asarray(cents, dtype=np.float64)
    return np.floor(c + 1e-12 * np.maximum(1.0, np.abs(c))).astype(np.int64)


# Account codes: kind * SPAN + id. Names follow DESIGN.md section 8.
SPAN = 10_000_000
FUND, PUBLIC, WORKERS, ADMIN, BANK, FIRM, PROVIDER, EARMARK, INVESTORS, PARTICIPANT = range(10)
_SINGLE = {FUND: "fund", PUBLIC: "public", WORKERS: "workers", ADMIN: "admin", BANK: "bank",
           INVESTORS: "investors"}  # investors: social-finance capital (pay-for-success, income shares)
# earmark:<i>: fund.earmarks[i]; participant:<id>: a person
_PREFIX = {FIRM: "firm:", PROVIDER: "provider:", EARMARK: "earmark:", PARTICIPANT: "participant:"}


def account(kind: int, ids: np.ndarray | int = 0) -> np.ndarray:
    return np.asarray(kind * SPAN + np.asarray(ids), dtype=np.int64)


def account_name(code: int) -> str:
    kind, ident = divmod(int(code), SPAN)
    return _SINGLE[kind] if kind in _SINGLE else f"{_PREFIX[kind]}{ident}"


def _codes(codes: np.ndarray | int, shape: tuple[int, ...]) -> int | np.ndarray:
    """One account code for every transfer (an int), or a copy of one code per transfer, flat."""
    if isinstance(codes, np.ndarray) and codes.shape == shape:  # one per transfer: a flat copy
        return codes.astype(np.int64).reshape(-1)
    codes = np.asarray(codes, dtype=np.int64)
    if codes.ndim == 0:  # the common case, without broadcasting
        return int(codes)
    return np.array(np.broadcast_to(codes, shape), dtype=np.int64).reshape(-1)


def _column(chunks: list, at: int, rows: np.ndarray) -> np.ndarray:
    """A column of account codes over every chunk's rows: its one code, or its own codes."""
    codes = [c[at] for c in chunks]
    own = [not isinstance(c, int) for c in codes]
    col = np.repeat(np.array([0 if o else c for c, o in zip(codes, own, strict=True)], dtype=np.int64), rows)
    if any(own):
        mine = np.repeat(np.array(own), rows)
        col[mine] = np.concatenate([c for c, o in zip(codes, own, strict=True) if o])
    return col


class Ledger:
    """Rows are kept as booked (a copy of each call's amounts and accounts); zero amounts are
    dropped and the accounts spread over rows once, in `to_frame`."""

    def __init__(self) -> None:
        self._chunks: list[tuple[int, int | np.ndarray, int | np.ndarray, int, np.ndarray]] = []
        self._categories: dict[str, int] = {}

    def record(self, month: int, payer: np.ndarray | int, payee: np.ndarray | int,
               category: str, cents: np.ndarray | int) -> None:
        """Book transfers; zero amounts are dropped, negative ones are a bug."""
        cents = np.array(cents, dtype=np.int64, ndmin=1)  # a copy: the caller may reuse its array
        if cents.size == 0:
            return
        low = cents.min()
        if low <= 0:
            if low < 0:
                raise ValueError(f"negative ledger amount in {category!r}: book it the other way round")
            if not cents.any():
                return
        cat = self._categories.setdefault(category, len(self._categories))
        self._chunks.append((month, _codes(payer, cents.shape), _codes(payee, cents.shape), cat,
                             cents.reshape(-1)))

    def to_frame(self) -> pd.DataFrame:
        # pandas is imported here, not with the module: the scenario checks import this module
        # (for `to_cents`), and every command line start would pay pandas' import (0.4 s).
        import pandas as pd

        from sim.labels import labels

        if not self._chunks:
            return pd.DataFrame({"month": pd.Series([], dtype="int64"), "payer": pd.Series([], dtype=str),
                                 "payee": pd.Series([], dtype=str), "category": pd.Series([], dtype=str),
                                 "amount_cents": pd.Series([], dtype="int64")})
        chunks = self._chunks
        rows = np.array([len(c[4]) for c in chunks], dtype=np.int64)
        months = np.repeat(np.array([c[0] for c in chunks], dtype=np.int64), rows)
        payer = _column(chunks, 1, rows)
        payee = _column(chunks, 2, rows)
        cats = np.repeat(np.array([c[3] for c in chunks], dtype=np.int64), rows)
        cents = np.concatenate([c[4] for c in chunks])
        keep = np.flatnonzero(cents)  # zero amounts are not transfers
        if len(keep) < len(cents):
            months, payer, payee, cats, cents = (a[keep] for a in (months, payer, payee, cats, cents))
        # np.unique(..., return_inverse=True), without sorting every row: the few distinct
        # accounts (hashed) are sorted, and each row finds its own among them.
        both = np.concatenate([payer, payee])
        codes = np.sort(pd.unique(both))
        index = np.searchsorted(codes, both)
        names = [account_name(code) for code in codes]
        cat_names = sorted(self._categories, key=self._categories.get)
        return pd.DataFrame({
            "month": months.astype(np.int64),
            "payer": labels(names, index[: len(payer)]),
            "payee": labels(names, index[len(payer):]),
            "category": labels(cat_names, cats),
            "amount_cents": cents,
        })
