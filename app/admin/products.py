"""Products: the catalogue list, create and edit, (de)activate, import with a preview."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from jinja2_fragments.flask import render_block
from wtforms import BooleanField, HiddenField, IntegerField, StringField, TextAreaField, URLField
from wtforms.validators import InputRequired, Length, Optional

from app.admin import bp
from app.admin.forms import arg_int, arg_str, back_to, is_htmx
from app.catalog import manage as catalog_admin
from app.catalog import variants as catalog_variants
from app.catalog import wishlist
from app.core.errors import Conflict, DomainError, NotFound, ValidationFailed
from app.core.request_values import INT_MAX, OutOfRange, parse_int
from app.models.catalog import ProductVariant, RewardProduct
from app.web.forms import apply_errors

PAGE_SIZE = 50


def _stock_seen(raw: str) -> int | None:
    """The stock the form showed (a hidden field): unusable values mean "not known"."""
    try:
        return parse_int(raw, limit=INT_MAX)
    except OutOfRange:
        return None


class ProductForm(FlaskForm):
    title = StringField("Title", validators=[InputRequired(), Length(max=200)])
    description = TextAreaField("Description", validators=[Length(max=5000)])
    category = StringField("Category", validators=[InputRequired(), Length(max=60)])
    image_url = URLField("Image URL (http or https)", validators=[Optional(), Length(max=500)])
    coin_price = IntegerField("Coin price", validators=[InputRequired()])
    stock_quantity = IntegerField("Stock", validators=[InputRequired()])
    is_active = BooleanField("Active: members can redeem it", default=True)
    # The stock the form showed, so a checkout in the meantime is not overwritten.
    stock_seen = HiddenField()


class VariantForm(FlaskForm):
    """One variant of a product (size, colour…); each row of the page has its own prefix."""

    title = StringField("Option", validators=[InputRequired(), Length(max=200)])
    sku = StringField("SKU", validators=[Optional(), Length(max=64)])
    coin_price = StringField("Coin price", validators=[InputRequired()])
    stock = StringField("Stock", validators=[InputRequired()])
    is_active = BooleanField("Active", default=True)


def _variant_forms(
    product: RewardProduct, failed: VariantForm | None = None
) -> list[tuple[VariantForm, ProductVariant | None]]:
    """A filled form per existing variant, plus an empty one to add; `failed` replaces its
    own row so the admin sees what was typed and why it was refused."""
    rows: list[tuple[VariantForm, ProductVariant | None]] = []
    for variant in product.variants:
        prefix = f"v{variant.id}"
        if failed is not None and failed._prefix == f"{prefix}-":
            rows.append((failed, variant))
            continue
        form = VariantForm(prefix=prefix, formdata=None, obj=variant)
        form.coin_price.data = str(variant.coin_price)
        form.stock.data = str(variant.stock)
        rows.append((form, variant))
    adding = failed if failed is not None and failed._prefix == "new-" else None
    rows.append((adding or VariantForm(prefix="new", formdata=None), None))
    return rows


def _variant_values(form: VariantForm) -> dict[str, object]:
    return {
        "title": form.title.data,
        "sku": form.sku.data,
        "coin_price": form.coin_price.data,
        "stock": form.stock.data,
        "is_active": form.is_active.data,
    }


class ImportForm(FlaskForm):
    file = FileField(
        "Product file (JSON or CSV)",
        validators=[
            FileRequired("Choose a file."),
            FileAllowed(["json", "csv"], "Upload a .json or .csv file."),
        ],
    )


class ConfirmImportForm(FlaskForm):
    token = HiddenField(validators=[InputRequired()])


def _product_values(form: ProductForm) -> dict:
    return {
        "title": form.title.data,
        "description": form.description.data or "",
        "category": form.category.data,
        "image_url": form.image_url.data or "",
        "coin_price": form.coin_price.data,
        "stock_quantity": form.stock_quantity.data,
        "is_active": bool(form.is_active.data),
    }


def _filters() -> catalog_admin.ProductFilters:
    active = request.args.get("active", "all")
    return catalog_admin.ProductFilters(
        q=arg_str("q"),
        category=arg_str("category", max_length=60),
        active=active if active in catalog_admin.ACTIVE_FILTERS else "all",
    )


@bp.get("/products")
def products() -> ResponseReturnValue:
    filters = _filters()
    page = catalog_admin.list_products(
        filters, page=arg_int("page", minimum=1) or 1, per_page=PAGE_SIZE
    )
    context = {
        "page": page,
        "filters": filters,
        "categories": catalog_admin.categories(),
        "active_filters": catalog_admin.ACTIVE_FILTERS,
    }
    if is_htmx() and request.headers.get("HX-Target") == "product-list":
        return render_block("admin/products.html", "product_list", **context)
    return render_template("admin/products.html", **context)


@bp.route("/products/new", methods=["GET", "POST"])
def product_new() -> ResponseReturnValue:
    form = ProductForm()
    if form.validate_on_submit():
        try:
            product = catalog_admin.create_product(_product_values(form), admin_id=current_user.id)
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            flash(f"Created “{product.title}”.", "info")
            return redirect(url_for("admin.products"))
    status = 422 if any(f.errors for f in form) else 200
    return render_template("admin/product_form.html", form=form, product=None), status


@bp.route("/products/<int:product_id>/edit", methods=["GET", "POST"])
def product_edit(product_id: int) -> ResponseReturnValue:
    try:
        product = catalog_admin.get_product(product_id)
    except NotFound:
        abort(404)
    form = ProductForm(obj=product)
    if request.method == "GET":
        form.stock_seen.data = str(product.stock_quantity)
    if form.validate_on_submit():
        seen = form.stock_seen.data or ""
        try:
            changes = catalog_admin.update_product(
                product_id,
                _product_values(form),
                admin_id=current_user.id,
                stock_seen=_stock_seen(seen),
            )
        except (ValidationFailed, Conflict) as exc:
            apply_errors(form, exc)
            form.stock_seen.data = str(catalog_admin.get_product(product_id).stock_quantity)
        else:
            if changes:
                flash(f"Saved “{product.title}”: {', '.join(changes)} changed.", "info")
            else:
                flash("Nothing changed.", "info")
            return redirect(url_for("admin.products"))
    status = 422 if any(f.errors for f in form) else 200
    return render_template(
        "admin/product_form.html",
        form=form,
        product=product,
        variant_forms=_variant_forms(product),
        demand=wishlist.demand(product_id),
    ), status


@bp.post("/products/<int:product_id>/variants")
@bp.post("/products/<int:product_id>/variants/<int:variant_id>")
def product_variant_save(product_id: int, variant_id: int | None = None) -> ResponseReturnValue:
    """Add a variant (no id) or save one variant's row of the product page."""
    try:
        product = catalog_admin.get_product(product_id)
    except NotFound:
        abort(404)
    form = VariantForm(prefix=f"v{variant_id}" if variant_id else "new")
    if form.validate_on_submit():
        try:
            if variant_id is None:
                variant = catalog_variants.add_variant(
                    product_id, _variant_values(form), admin_id=current_user.id
                )
                flash(f"Added the option “{variant.title}”.", "info")
            else:
                changes = catalog_variants.update_variant(
                    product_id, variant_id, _variant_values(form), admin_id=current_user.id
                )
                flash(
                    f"Saved the option: {', '.join(changes)} changed."
                    if changes
                    else "Nothing changed.",
                    "info",
                )
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            return redirect(url_for("admin.product_edit", product_id=product_id) + "#variants")
    product = catalog_admin.get_product(product_id)
    return render_template(
        "admin/product_form.html",
        form=ProductForm(obj=product, formdata=None, stock_seen=str(product.stock_quantity)),
        product=product,
        variant_forms=_variant_forms(product, failed=form),
        demand=wishlist.demand(product_id),
    ), 422


@bp.post("/products/<int:product_id>/active")
def product_active(product_id: int) -> ResponseReturnValue:
    active = request.form.get("active") == "1"
    product = catalog_admin.set_active(product_id, active, admin_id=current_user.id)
    if is_htmx():
        return render_block("admin/products.html", "product_row", product=product)
    state = "active again" if product.is_active else "deactivated"
    flash(f"“{product.title}” is {state}.", "info")
    return redirect(back_to(url_for("admin.products")))


@bp.route("/products/import", methods=["GET", "POST"])
def product_import() -> ResponseReturnValue:
    form = ImportForm()
    preview = None
    if form.validate_on_submit():
        upload = form.file.data
        try:
            preview = catalog_admin.preview_import(upload.filename or "", upload.read())
        except ValidationFailed as exc:
            form.file.errors = [*form.file.errors, exc.message]
    status = 422 if form.file.errors else 200
    return render_template(
        "admin/product_import.html",
        form=form,
        preview=preview,
        confirm_form=ConfirmImportForm(token=preview.token if preview else ""),
        labels=catalog_admin.FIELD_LABELS,
    ), status


@bp.post("/products/import/confirm")
def product_import_confirm() -> ResponseReturnValue:
    form = ConfirmImportForm()
    if not form.validate_on_submit():
        flash("This import could not be verified; upload the file again.", "error")
        return redirect(url_for("admin.product_import"))
    assert form.token.data is not None  # InputRequired passed
    try:
        result = catalog_admin.confirm_import(form.token.data, admin_id=current_user.id)
    except DomainError as exc:
        flash(exc.message, "error")
        return redirect(url_for("admin.product_import"))
    flash(f"Import applied: {len(result.created)} created, {len(result.updated)} updated.", "info")
    return redirect(url_for("admin.products"))
