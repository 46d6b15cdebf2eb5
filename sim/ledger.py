"""The ledger: every movement of money as a row (month, payer, payee, category, cents).

Amounts are integer cents and always positive; direction is payer -> payee. Rows are buffered
as NumPy chunks (one per call) and turned into a DataFrame once, at the end of a run."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.labels import labels


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


def _accounts(codes: np.ndarray | int, shape: tuple[int, ...], keep: np.ndarray) -> np.ndarray:
    """The account codes of the kept transfers: one code for all, or one per transfer."""
    codes = np.asarray(codes, dtype=np.int64)
    if codes.ndim == 0:  # the common case, without broadcasting
        return np.full(len(keep), codes, dtype=np.int64)
    if codes.shape != shape:
        codes = np.broadcast_to(codes, shape)
    return codes.reshape(-1)[keep]


class Ledger:
    def __init__(self) -> None:
        self._chunks: list[tuple[int, np.ndarray, np.ndarray, int, np.ndarray]] = []
        self._categories: dict[str, int] = {}

    def record(self, month: int, payer: np.ndarray | int, payee: np.ndarray | int,
               category: str, cents: np.ndarray | int) -> None:
        """Book transfers; zero amounts are dropped, negative ones are a bug."""
        cents = np.atleast_1d(np.asarray(cents, dtype=np.int64))
        keep = np.flatnonzero(cents)  # positions in the flattened amounts
        if len(keep) == 0:
            return
        kept = cents.reshape(-1)[keep]
        if (kept < 0).any():
            raise ValueError(f"negative ledger amount in {category!r}: book it the other way round")
        cat = self._categories.setdefault(category, len(self._categories))
        self._chunks.append((month, _accounts(payer, cents.shape, keep), _accounts(payee, cents.shape, keep),
                             cat, kept))

    def to_frame(self) -> pd.DataFrame:
        if not self._chunks:
            return pd.DataFrame({"month": pd.Series([], dtype="int64"), "payer": pd.Series([], dtype=str),
                                 "payee": pd.Series([], dtype=str), "category": pd.Series([], dtype=str),
                                 "amount_cents": pd.Series([], dtype="int64")})
        rows = np.array([len(c[4]) for c in self._chunks], dtype=np.int64)
        months = np.repeat(np.array([c[0] for c in self._chunks], dtype=np.int64), rows)
        payer = np.concatenate([c[1] for c in self._chunks])
        payee = np.concatenate([c[2] for c in self._chunks])
        cats = np.repeat(np.array([c[3] for c in self._chunks], dtype=np.int64), rows)
        cents = np.concatenate([c[4] for c in self._chunks])
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
