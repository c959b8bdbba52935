"""``?page=&per_page=`` lists shaped ``{"items", "total", "page", "per_page"}`` (API.md)."""
from marshmallow import Schema, fields, validate
from sqlalchemy import func, select

from server.extensions import db

MAX_PER_PAGE = 200


class PageArgs(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PER_PAGE))


_page_schemas: dict = {}


def page_of(item_schema: type[Schema]) -> type[Schema]:
    """The list envelope schema for ``item_schema`` (one class per item schema, for OpenAPI)."""
    if item_schema not in _page_schemas:
        name = item_schema.__name__.removesuffix("Schema") + "PageSchema"
        _page_schemas[item_schema] = type(name, (Schema,), {
            "items": fields.List(fields.Nested(item_schema)),
            "total": fields.Integer(),
            "page": fields.Integer(),
            "per_page": fields.Integer(),
        })
    return _page_schemas[item_schema]


def paginate(stmt, args: dict, *, scalars: bool = True, transform=None, count_stmt=None) -> dict:
    """Run ``stmt`` for one page and count the whole result in SQL (``count_stmt``, when given,
    counts the same rows without the joins that only decorate them)."""
    page, per_page = args.get("page", 1), args.get("per_page", 50)
    total = db.session.execute(
        select(func.count()).select_from((count_stmt if count_stmt is not None else stmt).order_by(None).subquery())
    ).scalar_one()
    result = db.session.execute(stmt.limit(per_page).offset((page - 1) * per_page))
    items = list(result.scalars() if scalars else result)
    if transform is not None:
        items = transform(items)
    return {"items": items, "total": total, "page": page, "per_page": per_page}
