"""The product and service catalog files in data/catalog/ (seed source of truth)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.config import REPO_ROOT
from bot.core.accounts import ProductInfo

CATALOG_DIR = REPO_ROOT / "data" / "catalog"


@dataclass(frozen=True)
class ServiceInfo:
    """A kind of linked service (contract `service` value) and how users name it."""

    id: str
    display_name: str
    aliases: tuple[str, ...]
    # credit_line: ends when the line is closed; payment_account: an agreement that stays (data/catalog/services.yml)
    belongs_to: str = "credit_line"

    @property
    def stays_after_closing(self) -> bool:
        """Whether the agreement outlives the closed line (it then charges the balance or a card)."""
        return self.belongs_to == "payment_account"


@dataclass(frozen=True)
class SeparateLine:
    """A line or service users name next to ours that is not ours to close (信用购, 信用贷, 先用后付).

    `next_to` is the product it sits beside on the big platforms (信用购 beside 花呗), if any.
    """

    id: str
    display_name: str
    aliases: tuple[str, ...]
    next_to: str | None = None


PLATFORM_ACCOUNT = "platform_account"  # the one value of the `platform_account` entity


@dataclass(frozen=True)
class Catalog:
    """Products we serve, linked-service kinds, and other companies' products users mention.

    Also the lines that are not ours to close (`separate_lines`) and the names
    of the whole platform account (`platform_account_aliases`).
    """

    products: tuple[ProductInfo, ...]
    services: tuple[ServiceInfo, ...]
    external_products: tuple[str, ...]
    separate_lines: tuple[SeparateLine, ...] = ()
    platform_account_aliases: tuple[str, ...] = ()

    def product(self, product_id: str) -> ProductInfo | None:
        """Look a product up by id."""
        return next((p for p in self.products if p.id == product_id), None)

    def service(self, service_id: str) -> ServiceInfo | None:
        """Look a service kind up by id."""
        return next((s for s in self.services if s.id == service_id), None)

    def separate_line(self, line_id: str) -> SeparateLine | None:
        """Look a separate line (信用购 ...) up by id."""
        return next((s for s in self.separate_lines if s.id == line_id), None)


def load_catalog(directory: Path = CATALOG_DIR) -> Catalog:
    """Read products.yml and services.yml from `directory`."""
    products_doc = _read(directory / "products.yml")
    services_doc = _read(directory / "services.yml")
    return Catalog(
        products=tuple(_product(p) for p in products_doc["products"]),
        services=tuple(
            ServiceInfo(
                s["id"],
                s["display_name"],
                tuple(str(a) for a in s["aliases"]),
                str(s.get("belongs_to", "credit_line")),
            )
            for s in services_doc["services"]
        ),
        external_products=tuple(str(x) for x in products_doc.get("external_products", ())),
        separate_lines=tuple(
            SeparateLine(
                str(d["id"]),
                str(d["display_name"]),
                tuple(str(a) for a in d.get("aliases", ())),
                str(d["next_to"]) if d.get("next_to") else None,
            )
            for d in products_doc.get("separate_lines", ())
        ),
        platform_account_aliases=tuple(str(a) for a in products_doc.get("platform_account_aliases", ())),
    )


def _read(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as fh:
        doc: dict[str, Any] = yaml.safe_load(fh)
    return doc


def _product(doc: dict[str, Any]) -> ProductInfo:
    rules = doc.get("rules", {})
    return ProductInfo(
        id=doc["id"],
        display_name=doc["display_name"],
        description=doc["description"],
        kind=doc["kind"],
        aliases=tuple(str(a) for a in doc.get("aliases", ())),
        reopen_cooldown_days=int(rules.get("reopen_cooldown_days", 0)),
        reopen_requires_review=bool(rules.get("reopen_requires_review", True)),
        closure_review_levels=int(rules.get("closure_review_levels", 1)),
        closure_review_days=int(rules.get("closure_review_days", 0)),
        pause_available=bool(rules.get("pause_available", False)),
        pause_min_days=rules.get("pause_min_days"),
        pause_max_days=rules.get("pause_max_days"),
    )


@dataclass(frozen=True)
class DataRequestPolicy:
    """How we handle a personal-data deletion request (data/catalog/data_requests.yml)."""

    handling_working_days: int
    review_levels: int
    notify_by: str


def load_data_request_policy(directory: Path = CATALOG_DIR) -> DataRequestPolicy:
    """Read the operator's commitments for data-deletion requests."""
    doc = _read(directory / "data_requests.yml")["data_deletion"]
    return DataRequestPolicy(int(doc["handling_working_days"]), int(doc["review_levels"]), str(doc["notify_by"]))
