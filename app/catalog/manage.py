"""The reward catalogue as admins manage it: list, create, edit, (de)activate, import.

Every change writes its admin_logs row in the same transaction. A price an admin sets
(by hand or by import) marks the product `price_set_by_admin`, so the Shopify sync
leaves that price alone.

Import is two steps. `preview_import` parses a JSON or CSV file, validates every row
and compares it with the catalogue; `confirm_import` takes the signed token from the
preview, re-validates the rows and recomputes the plan against the catalogue as it is
now, and applies it only if it is exactly the plan the admin saw.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select

from app.backoffice.audit import record_admin_action, set_active_flag
from app.catalog import wishlist
from app.core import bounded_json
from app.core.db import transaction
from app.core.errors import Conflict, NotFound, ValidationFailed
from app.core.search import any_contains
from app.extensions import db
from app.models.base import utcnow
from app.models.catalog import RewardProduct

EDITABLE_FIELDS = (
    "title",
    "description",
    "category",
    "image_url",
    "coin_price",
    "stock_quantity",
    "is_active",
)
FIELD_LABELS = {
    "title": "Title",
    "description": "Description",
    "category": "Category",
    "image_url": "Image URL",
    "coin_price": "Coin price",
    "stock_quantity": "Stock",
    "is_active": "Active",
    "sku": "SKU",
}
SNAPSHOT_FIELDS = (*EDITABLE_FIELDS, "sku")
REQUIRED_FIELDS = ("title", "category", "coin_price")
TEXT_LIMITS = {"title": 200, "description": 5000, "category": 60, "image_url": 500, "sku": 64}
MAX_COIN_PRICE = 10_000_000
MAX_STOCK = 1_000_000
# File columns beyond the field names: how a row finds its product, and friendly aliases.
IMPORT_KEYS = ("id", "sku")
IMPORT_ALIASES = {"stock": "stock_quantity", "active": "is_active", "price": "coin_price"}
MAX_IMPORT_ROWS = 2000
IMPORT_TOKEN_SALT = "fitkart.product-import"
IMPORT_TOKEN_MAX_AGE = 3600
TRUE_WORDS = {"true", "yes", "y", "1", "on"}
FALSE_WORDS = {"false", "no", "n", "0", "off"}
ACTIVE_FILTERS = ("all", "active", "inactive")


# --- listing ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ProductFilters:
    q: str | None = None
    category: str | None = None
    active: str = "all"


@dataclass(frozen=True)
class ProductPage:
    items: list[RewardProduct]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def list_products(filters: ProductFilters, *, page: int = 1, per_page: int = 50) -> ProductPage:
    query = select(RewardProduct)
    if filters.q:
        query = query.where(
            any_contains(
                filters.q, RewardProduct.title, RewardProduct.description, RewardProduct.sku
            )
        )
    if filters.category:
        query = query.where(RewardProduct.category == filters.category)
    if filters.active == "active":
        query = query.where(RewardProduct.is_active)
    elif filters.active == "inactive":
        query = query.where(~RewardProduct.is_active)
    total = db.session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    page = max(1, page)
    items = db.session.execute(
        query.order_by(func.lower(RewardProduct.title), RewardProduct.id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).scalars()
    return ProductPage(items=list(items), total=int(total), page=page, per_page=per_page)


def categories() -> list[str]:
    return list(
        db.session.execute(
            select(RewardProduct.category).distinct().order_by(RewardProduct.category)
        ).scalars()
    )


def get_product(product_id: int) -> RewardProduct:
    product = db.session.get(RewardProduct, product_id)
    if product is None:
        raise NotFound("No such product.")
    return product


# --- the rules for one product's fields --------------------------------------------------


def _problem(field_name: str, message: str) -> dict[str, str]:
    return {"field": field_name, "message": message}


def _clean_text(name: str, raw: Any, problems: list[dict[str, str]]) -> str | None:
    if raw is None:
        return None
    if not isinstance(raw, str | int | float) or isinstance(raw, bool):
        problems.append(_problem(name, f"{FIELD_LABELS[name]} must be text."))
        return None
    text = " ".join(str(raw).split()) if name != "description" else str(raw).strip()
    if len(text) > TEXT_LIMITS[name]:
        problems.append(
            _problem(name, f"{FIELD_LABELS[name]} must be at most {TEXT_LIMITS[name]} characters.")
        )
    return text


def _clean_int(
    name: str, raw: Any, minimum: int, maximum: int, problems: list[dict[str, str]]
) -> int | None:
    label = FIELD_LABELS[name]
    value: int | None = None
    if isinstance(raw, int) and not isinstance(raw, bool):
        value = raw
    elif isinstance(raw, float) and raw.is_integer():
        value = int(raw)
    elif isinstance(raw, str) and raw.strip().lstrip("-").isdigit():
        value = int(raw.strip())
    if value is None:
        problems.append(_problem(name, f"{label} must be a whole number."))
        return None
    if value < minimum:
        floor = "greater than 0" if minimum == 1 else f"at least {minimum}"
        problems.append(_problem(name, f"{label} must be {floor}."))
        return None
    if value > maximum:
        problems.append(_problem(name, f"{label} must be at most {maximum:,}."))
        return None
    return value


def _clean_bool(name: str, raw: Any, problems: list[dict[str, str]]) -> bool | None:
    if isinstance(raw, bool):
        return raw
    word = str(raw).strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    problems.append(_problem(name, f"{FIELD_LABELS[name]} must be true or false."))
    return None


def _clean_image_url(raw: str | None, problems: list[dict[str, str]]) -> str | None:
    if not raw:
        return None
    parts = urlsplit(raw)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or " " in raw:
        problems.append(_problem("image_url", "Image URL must be an http:// or https:// address."))
    return raw


def clean_product_fields(raw: Mapping[str, Any], *, complete: bool) -> dict[str, Any]:
    """The typed values of the fields present in `raw`; ValidationFailed names each bad field.

    `complete` (a form, or an import row for a new product) makes title, category and coin
    price required. A field absent from `raw` (or None) is left out of the answer:
    unchanged on an edit, defaulted on a create.
    """
    problems: list[dict[str, str]] = []
    clean: dict[str, Any] = {}
    for name in ("title", "category", "description", "sku"):
        if raw.get(name) is not None:
            clean[name] = _clean_text(name, raw[name], problems)
    for name in ("title", "category"):
        if name in clean and not clean[name]:
            problems.append(_problem(name, f"{FIELD_LABELS[name]} is required."))
    if "sku" in clean:
        clean["sku"] = clean["sku"] or None
    if raw.get("image_url") is not None:
        text = _clean_text("image_url", raw["image_url"], problems)
        clean["image_url"] = _clean_image_url(text, problems)
    if raw.get("coin_price") is not None:
        clean["coin_price"] = _clean_int(
            "coin_price", raw["coin_price"], 1, MAX_COIN_PRICE, problems
        )
    if raw.get("stock_quantity") is not None:
        clean["stock_quantity"] = _clean_int(
            "stock_quantity", raw["stock_quantity"], 0, MAX_STOCK, problems
        )
    if raw.get("is_active") is not None:
        clean["is_active"] = _clean_bool("is_active", raw["is_active"], problems)
    if complete:
        reported = {problem["field"] for problem in problems}
        for name in REQUIRED_FIELDS:
            if raw.get(name) in (None, "") and name not in reported:
                problems.append(_problem(name, f"{FIELD_LABELS[name]} is required."))
    if problems:
        raise ValidationFailed(problems[0]["message"], details=problems)
    return clean


def _snapshot(product: RewardProduct) -> dict[str, Any]:
    return {name: getattr(product, name) for name in SNAPSHOT_FIELDS}


# --- create, edit, (de)activate ------------------------------------------------------------


def _new_product(values: Mapping[str, Any]) -> RewardProduct:
    product = RewardProduct(
        title=values["title"],
        description=values.get("description") or "",
        category=values["category"],
        image_url=values.get("image_url"),
        coin_price=values["coin_price"],
        stock_quantity=values.get("stock_quantity", 0),
        is_active=values.get("is_active", True),
        sku=values.get("sku"),
        price_set_by_admin=True,
    )
    db.session.add(product)
    db.session.flush()
    return product


def create_product(raw: Mapping[str, Any], *, admin_id: int) -> RewardProduct:
    values = clean_product_fields(raw, complete=True)
    with transaction():
        product = _new_product(values)
        record_admin_action(
            admin_id, "product.create", "product", product.id, after=_snapshot(product)
        )
    return product


def _lock_product(product_id: int) -> RewardProduct:
    product = db.session.execute(
        select(RewardProduct)
        .where(RewardProduct.id == product_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if product is None:
        raise NotFound("No such product.")
    return product


def _apply_changes(product: RewardProduct, values: Mapping[str, Any]) -> dict[str, Any]:
    """Set what differs; returns {field: old value} of what changed."""
    before: dict[str, Any] = {}
    for name, value in values.items():
        if getattr(product, name) != value:
            before[name] = getattr(product, name)
            setattr(product, name, value)
    if "coin_price" in before:
        product.price_set_by_admin = True
    if before:
        product.updated_at = utcnow()
        wishlist.product_changed(
            product,
            stock_before=before.get("stock_quantity", product.stock_quantity),
            price_before=before.get("coin_price", product.coin_price),
        )
    return before


def update_product(
    product_id: int,
    raw: Mapping[str, Any],
    *,
    admin_id: int,
    stock_seen: int | None = None,
) -> dict[str, tuple[Any, Any]]:
    """Edit a product. Returns {field: (old, new)} of what changed.

    `stock_seen` is the stock the admin's form showed: checkouts move stock all the time,
    so a typed stock only replaces the current one if that is still what the admin saw.
    """
    values = clean_product_fields(raw, complete=True)
    with transaction():
        product = _lock_product(product_id)
        if stock_seen is not None and "stock_quantity" in values:
            if values["stock_quantity"] == stock_seen:
                del values["stock_quantity"]
            elif product.stock_quantity != stock_seen:
                message = (
                    f"Stock changed from {stock_seen} to {product.stock_quantity} while you "
                    "were editing (orders reserve stock). Check the number and save again."
                )
                raise Conflict(message, details=[_problem("stock_quantity", message)])
        before = _apply_changes(product, values)
        if not before:
            return {}
        db.session.flush()
        after = {name: getattr(product, name) for name in before}
        if "coin_price" in before:
            after["price_set_by_admin"] = True
        record_admin_action(
            admin_id, "product.update", "product", product.id, before=before, after=after
        )
    return {name: (before[name], after[name]) for name in before}


def set_active(product_id: int, active: bool, *, admin_id: int) -> RewardProduct:
    with transaction():
        product = _lock_product(product_id)
        set_active_flag(product, active, admin_id=admin_id, entity_type="product")
    return product


# --- import: parse -----------------------------------------------------------------------


def parse_import_file(filename: str, data: bytes) -> list[dict[str, Any]]:
    """Rows of a JSON (a list of objects, or {"products": [...]}) or CSV (header row) file.

    Each row keeps its source line (`_line`). Bad files raise ValidationFailed.
    """
    name = (filename or "").lower()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationFailed(
            "The file must be UTF-8 text.", details=[{"field": "file"}]
        ) from None
    if not text.strip():
        raise ValidationFailed("The file is empty.", details=[{"field": "file"}])
    if name.endswith(".json") or (not name.endswith(".csv") and text.lstrip()[:1] in "[{"):
        rows = _parse_json(text)
    else:
        rows = _parse_csv(text)
    if not rows:
        raise ValidationFailed("The file has no product rows.", details=[{"field": "file"}])
    if len(rows) > MAX_IMPORT_ROWS:
        raise ValidationFailed(
            f"At most {MAX_IMPORT_ROWS} products per import; this file has {len(rows)}.",
            details=[{"field": "file"}],
        )
    return rows


def _parse_json(text: str) -> list[dict[str, Any]]:
    try:
        document = bounded_json.loads(text)
    except bounded_json.JSONTooDeep as exc:
        raise ValidationFailed(
            f"The JSON is nested too deeply: {exc}", details=[{"field": "file"}]
        ) from None
    except json.JSONDecodeError as exc:
        raise ValidationFailed(
            f"The JSON is malformed (line {exc.lineno}): {exc.msg}.", details=[{"field": "file"}]
        ) from None
    if isinstance(document, dict) and isinstance(document.get("products"), list):
        document = document["products"]
    if not isinstance(document, list):
        raise ValidationFailed(
            'JSON must be a list of products, or {"products": [...]}.',
            details=[{"field": "file"}],
        )
    rows = []
    for index, item in enumerate(document, start=1):
        row = dict(item) if isinstance(item, dict) else {"_not_an_object": True}
        row["_line"] = index
        rows.append(row)
    return rows


def _parse_csv(text: str) -> list[dict[str, Any]]:
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames:
        raise ValidationFailed("The CSV file has no header row.", details=[{"field": "file"}])
    rows = []
    try:
        for record in reader:
            # An empty cell means "not given": the field is left as it is (or defaulted).
            row: dict[str, Any] = {
                (key or "").strip(): value.strip()
                for key, value in record.items()
                if key and isinstance(value, str) and value.strip() != ""
            }
            if not row:
                continue
            row["_line"] = reader.line_num
            rows.append(row)
    except csv.Error as exc:
        raise ValidationFailed(
            f"The CSV is malformed: {exc}.", details=[{"field": "file"}]
        ) from None
    return rows


# --- import: plan --------------------------------------------------------------------------


@dataclass
class ImportRow:
    line: int
    status: str  # new | changed | unchanged | invalid
    title: str
    product_id: int | None = None
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass
class ImportPlan:
    rows: list[ImportRow]
    ignored_columns: list[str]

    def count(self, status: str) -> int:
        return sum(1 for row in self.rows if row.status == status)

    @property
    def applicable(self) -> list[ImportRow]:
        return [row for row in self.rows if row.status in ("new", "changed")]

    def digest(self) -> str:
        """A fingerprint of exactly what confirming would do."""
        plan = [
            {
                "status": row.status,
                "product_id": row.product_id,
                "values": row.values,
                "changes": {k: list(v) for k, v in sorted(row.changes.items())},
            }
            for row in self.applicable
        ]
        encoded = json.dumps(plan, sort_keys=True, default=str).encode()
        return hashlib.sha256(encoded).hexdigest()


def _normalise_keys(raw: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    row: dict[str, Any] = {}
    unknown: list[str] = []
    for key, value in raw.items():
        if key == "_line":
            continue
        name = IMPORT_ALIASES.get(key.strip().lower(), key.strip().lower())
        if name in EDITABLE_FIELDS or name in IMPORT_KEYS or name == "_not_an_object":
            row[name] = value
        else:
            unknown.append(key)
    return row, unknown


class _Catalogue:
    """The current products, indexed the ways an import row can name one."""

    def __init__(self, products: list[RewardProduct]) -> None:
        self.by_id = {p.id: p for p in products}
        self.by_sku: dict[str, list[RewardProduct]] = {}
        self.by_title: dict[str, list[RewardProduct]] = {}
        for product in products:
            if product.sku:
                self.by_sku.setdefault(product.sku.lower(), []).append(product)
            self.by_title.setdefault(product.title.lower(), []).append(product)

    def match(self, row: Mapping[str, Any]) -> tuple[RewardProduct | None, str | None]:
        """(product, None), (None, None) for a new product, or (None, why it is ambiguous)."""
        if row.get("id") not in (None, ""):
            raw_id = str(row["id"]).strip()
            product = self.by_id.get(int(raw_id)) if raw_id.isdigit() else None
            if product is None:
                return None, f"There is no product with id {raw_id}."
            return product, None
        if row.get("sku") not in (None, ""):
            found = self.by_sku.get(str(row["sku"]).strip().lower(), [])
            if len(found) > 1:
                return None, f"Several products have SKU {row['sku']}; give the id instead."
            if found:
                return found[0], None
            return None, None
        title = " ".join(str(row.get("title") or "").split()).lower()
        found = self.by_title.get(title, [])
        if len(found) > 1:
            return None, f"Several products are titled “{row['title']}”; give the id instead."
        return (found[0] if found else None), None


def plan_import(raw_rows: list[dict[str, Any]], products: list[RewardProduct]) -> ImportPlan:
    """Validate each row and compare it with the catalogue. Pure: reads, never writes."""
    catalogue = _Catalogue(products)
    rows: list[ImportRow] = []
    ignored: dict[str, None] = {}
    claimed: dict[str, int] = {}  # product id or new title -> the line that took it
    for raw in raw_rows:
        line = int(raw.get("_line", len(rows) + 1))
        fields, unknown = _normalise_keys(raw)
        ignored.update(dict.fromkeys(unknown))
        title = str(fields.get("title") or "").strip()
        if fields.pop("_not_an_object", False):
            rows.append(ImportRow(line, "invalid", "", errors=["This row is not an object."]))
            continue
        product, ambiguity = catalogue.match(fields)
        row = ImportRow(line, "invalid", title or (product.title if product else ""), raw=raw)
        if ambiguity:
            row.errors.append(ambiguity)
            rows.append(row)
            continue
        try:
            values = clean_product_fields(
                {k: v for k, v in fields.items() if k != "id"}, complete=product is None
            )
        except ValidationFailed as exc:
            row.errors.extend(detail["message"] for detail in exc.details)
            rows.append(row)
            continue
        key = f"id:{product.id}" if product else f"title:{values['title'].lower()}"
        if key in claimed:
            row.errors.append(f"Line {claimed[key]} already changes this product.")
            rows.append(row)
            continue
        claimed[key] = line
        if product is None:
            row.status = "new"
            row.values = values
        else:
            row.product_id = product.id
            row.title = product.title
            row.changes = {
                name: (getattr(product, name), value)
                for name, value in values.items()
                if getattr(product, name) != value
            }
            row.values = {name: new for name, (_old, new) in row.changes.items()}
            row.status = "changed" if row.changes else "unchanged"
        rows.append(row)
    return ImportPlan(rows=rows, ignored_columns=list(ignored))


def _all_products(*, lock: bool = False) -> list[RewardProduct]:
    query = select(RewardProduct).order_by(RewardProduct.id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return list(db.session.execute(query).scalars())


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=IMPORT_TOKEN_SALT)


@dataclass(frozen=True)
class ImportPreview:
    plan: ImportPlan
    filename: str
    token: str | None  # None when there is nothing to apply


def preview_import(filename: str, data: bytes) -> ImportPreview:
    raw_rows = parse_import_file(filename, data)
    plan = plan_import(raw_rows, _all_products())
    token = None
    if plan.applicable:
        token = _serializer().dumps(
            {
                "filename": filename[:200],
                "rows": [row.raw for row in plan.applicable],
                "digest": plan.digest(),
            }
        )
    return ImportPreview(plan=plan, filename=filename, token=token)


@dataclass(frozen=True)
class ImportResult:
    created: list[int]
    updated: list[int]


def confirm_import(token: str, *, admin_id: int) -> ImportResult:
    """Apply a previewed import, exactly as previewed, in one transaction."""
    try:
        payload = _serializer().loads(token, max_age=IMPORT_TOKEN_MAX_AGE)
    except SignatureExpired:
        raise ValidationFailed(
            "This preview is more than an hour old; upload the file again."
        ) from None
    except BadSignature:
        raise ValidationFailed(
            "This import could not be verified; upload the file again."
        ) from None
    result = ImportResult(created=[], updated=[])
    with transaction():
        plan = plan_import(payload["rows"], _all_products(lock=True))
        if plan.digest() != payload["digest"]:
            raise Conflict(
                "The catalogue changed since the preview, so these changes were not applied. "
                "Upload the file again to see what it would change now."
            )
        for row in plan.applicable:
            if row.status == "new":
                product = _new_product(row.values)
                result.created.append(product.id)
                record_admin_action(
                    admin_id,
                    "product.create",
                    "product",
                    product.id,
                    after=_snapshot(product),
                    note=f"Imported from {payload['filename']}",
                )
            else:
                product = db.session.get_one(RewardProduct, row.product_id)
                before = _apply_changes(product, row.values)
                after = {name: getattr(product, name) for name in before}
                if "coin_price" in before:
                    after["price_set_by_admin"] = True
                result.updated.append(product.id)
                record_admin_action(
                    admin_id,
                    "product.update",
                    "product",
                    product.id,
                    before=before,
                    after=after,
                    note=f"Imported from {payload['filename']}",
                )
        db.session.flush()
        record_admin_action(
            admin_id,
            "product.import",
            "product",
            None,
            after={"created": len(result.created), "updated": len(result.updated)},
            note=f"Imported from {payload['filename']}",
        )
    return result
