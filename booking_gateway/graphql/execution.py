"""Plain leaf fields resolved without graphql-core's per-field machinery.

Most of a list response is leaves read straight off an object: a feed page of 500 events has
3,000 of them, a timeslot day a few per start. graphql-core resolves each one like any field:
it builds a ``GraphQLResolveInfo``, calls strawberry's resolver wrapper, which calls
``getattr``, checks twice whether the result is awaitable, then completes it. For a field that
strawberry itself calls basic (no resolver, no extensions, no arguments) of a scalar or enum
type, ``GatewayExecutionContext`` reads the attribute and completes the leaf directly, the
same way graphql-core would. Anything else, and any value this path does not answer plainly
(null for a non-null field, a value the scalar refuses), goes through graphql-core unchanged,
so errors and their locations are exactly graphql-core's.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
)
from graphql.pyutils import Path
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField

# Per field definition: (the field, its attribute, its leaf type, whether null is allowed,
# whether it is a list of non-null leaves), or None for a field that takes the general path.
# Keyed by id() and checked by identity: graphql-core's field definitions compare by value and
# are unhashable.
_Plain = tuple[GraphQLField, str, GraphQLLeafType, bool, bool] | None
_PLAIN: dict[int, tuple[GraphQLField, _Plain]] = {}
_MISSING = object()


def _plain(field_def: GraphQLField) -> _Plain:
    cached = _PLAIN.get(id(field_def))
    if cached is not None and cached[0] is field_def:
        return cached[1]
    plain: _Plain = None
    definition = (field_def.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    resolve = field_def.resolve
    if (
        isinstance(definition, StrawberryField)
        and definition.is_basic_field
        and definition.default_resolver is getattr
        and not field_def.args
        and getattr(resolve, "_is_default", False)
        and definition.python_name is not None
    ):
        kind = field_def.type
        nullable = not isinstance(kind, GraphQLNonNull)
        inner: Any = kind.of_type if isinstance(kind, GraphQLNonNull) else kind
        listed = isinstance(inner, GraphQLList) and isinstance(inner.of_type, GraphQLNonNull)
        leaf = inner.of_type.of_type if listed else inner
        if isinstance(leaf, GraphQLScalarType | GraphQLEnumType):
            plain = (field_def, definition.python_name, leaf, nullable, listed)
    _PLAIN[id(field_def)] = (field_def, plain)
    return plain


class GatewayExecutionContext(StrawberryGraphQLCoreExecutionContext):
    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: Any,
        path: Path,
        position_context: Any,
    ) -> Any:
        # Strawberry hands over a manager on every request; it wraps resolvers only when a
        # schema extension resolves fields, and then every field takes the general path.
        manager = self.middleware_manager
        if manager is None or not manager.middlewares:
            field_def = self.schema.get_field(parent_type, field_details_list[0].node.name.value)
            plain = _plain(field_def) if field_def is not None else None
            if plain is not None:
                _, name, leaf, nullable, listed = plain
                value = getattr(source, name, _MISSING)
                if value is None:
                    if nullable:
                        return None
                elif value is not _MISSING:
                    try:
                        if not listed:
                            return self.complete_leaf_value(leaf, value)
                        if isinstance(value, list | tuple):  # each item non-null, as declared
                            complete = self.complete_leaf_value
                            return [complete(leaf, item) for item in value]
                    except Exception:  # noqa: S110 - graphql-core reports it, below
                        pass
        return super().execute_field(
            parent_type, source, field_details_list, path, position_context
        )
