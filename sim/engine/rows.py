"""A Mesa agent whose numbers are one row of its type's column table (firms, providers): rules
over all of them stay whole-array operations, while each stays an individual agent, found in
`model.agents` with its own verbs."""

from __future__ import annotations

from typing import Any

import mesa


class RowAgent(mesa.Agent):
    """Row `idx` of `table`; `sector_names` turn the table's sector codes into names."""

    def __init__(self, model: mesa.Model, table: Any, idx: int, sector_names: list[str]) -> None:
        super().__init__(model)
        self.table, self.idx, self._sectors = table, idx, sector_names

    @property
    def sector(self) -> str:
        return self._sectors[int(self.table.sector[self.idx])]
