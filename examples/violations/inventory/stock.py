"""Stock bookkeeping."""

import logging
from pprint import pprint

logger = logging.getLogger(__name__)


class Stock:
    def __init__(self, warehouse):
        self.warehouse = warehouse
        self.levels: dict[str, int] = {}

    def receive(self, sku: str, quantity: int) -> None:
        print(f"received {quantity} of {sku}")
        self.levels[sku] = self.levels.get(sku, 0) + quantity

    def ship(self, sku, quantity):
        if self.levels.get(sku, 0) < quantity:
            logger.warning("not enough %s", sku)
            return False
        self.levels[sku] -= quantity
        return True

    def report(self) -> None:
        pprint(self.levels)

    def _audit(self, sku):
        # Private helpers are not part of the public surface.
        print("audit", sku)  # noqa: T201
