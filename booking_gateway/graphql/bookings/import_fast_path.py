"""A compiled path for the dealer import's documents, the gateway's hottest requests.

Dealer systems send the same few documents thousands of times a day, only their variables
change. The first time a document is seen it runs through the full GraphQL executor; if that
run got past parsing and validation and the document has the import's plain shape (one
``addBooking`` / ``changeBooking`` / ``cancelBooking`` field, optionally aliased, no directives,
no fragments, its ``input`` an object of String variables and literals, or one input variable),
a plan is kept for it. Later requests with that document and plain string variables call the
resolver's service directly and shape the answer as the executor would: the same ``data`` key,
the same error (message, location, path, ``extensions``) through the same ``format_error``.

Anything else takes the full executor: a variable that is not a string or null, a missing
required variable, unknown input fields, variable defaults, another operation name. So every
coercion error still comes from graphql-core itself. A test sends each case both ways and
compares the answers byte for byte.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from graphql import (
    FieldNode,
    GraphQLError,
    NamedTypeNode,
    NonNullTypeNode,
    NullValueNode,
    ObjectValueNode,
    OperationDefinitionNode,
    OperationType,
    StringValueNode,
    VariableNode,
    parse,
)

from booking_gateway.domain.dealer_import import KEEP, ImportInput, Keep
from booking_gateway.domain.models import Booking
from booking_gateway.graphql.context import Context

PLAN_CACHE_SIZE = 256

# Per mutation: its input type, the input's fields (GraphQL name -> ImportInput field, and
# whether it is required), and what an omitted optional field means.
IMPORT_FIELDS: Final = {
    "bookingSource": ("booking_source", True),
    "bookingId": ("booking_id", True),
    "bookingDealer": ("booking_dealer", True),
    "vin": ("vin", True),
    "appointmentDate": ("appointment_date", True),
    "reasonKey": ("reason_key", False),
    "reasonText": ("reason_text", False),
    "fleetId": ("fleet_id", False),
    "workshopId": ("workshop_id", False),
    "bookingCreatedAt": ("booking_created_at", False),
}
_CANCEL_FIELDS: Final = {
    "bookingId": ("booking_id", True),
    "bookingSource": ("booking_source", False),
}


@dataclass(frozen=True, slots=True)
class _Mutation:
    input_type: str
    fields: Mapping[str, tuple[str, bool]]
    omitted: Keep | None  # what an optional field left out means


MUTATIONS: Final = {
    "addBooking": _Mutation("AddBookingInput", IMPORT_FIELDS, None),
    "changeBooking": _Mutation("ChangeBookingInput", IMPORT_FIELDS, KEEP),
    "cancelBooking": _Mutation("CancelBookingInput", _CANCEL_FIELDS, None),
}


def import_input(values: Mapping[str, Any], omitted: Keep | None) -> ImportInput:
    """An ``ImportInput`` from the wire input's fields (GraphQL names); one place for both
    the resolvers and this path."""
    given = {name: values[wire] for wire, (name, _) in IMPORT_FIELDS.items() if wire in values}
    for wire, (name, required) in IMPORT_FIELDS.items():
        if not required and wire not in values:
            given[name] = omitted
    return ImportInput(**given)


class _NoPlan(Exception):
    pass


@dataclass(frozen=True, slots=True)
class _Field:
    """One input field: a literal value, or a variable (``required``: declared non-null)."""

    wire: str
    literal: str | None = None
    variable: str | None = None
    required: bool = False


@dataclass(frozen=True, slots=True)
class Plan:
    mutation: str
    response_key: str
    node: FieldNode
    fields: tuple[_Field, ...] | None  # None: the whole input is one variable
    input_variable: str | None

    def values(self, variables: Mapping[str, Any]) -> dict[str, str | None] | None:
        """The input's fields from the variables, or None when the full executor must
        coerce them (and report what is wrong)."""
        spec = MUTATIONS[self.mutation].fields
        if self.fields is None:
            given = variables.get(self.input_variable or "")
            if not isinstance(given, dict) or not given.keys() <= spec.keys():
                return None
            for wire, (_, required) in spec.items():
                value = given.get(wire)
                if not (isinstance(value, str) or (value is None and not required)):
                    return None
                if required and wire not in given:
                    return None
            return dict(given)
        values: dict[str, str | None] = {}
        for field in self.fields:
            if field.variable is None:
                values[field.wire] = field.literal
                continue
            if field.variable not in variables:
                if field.required:
                    return None
                continue  # not provided: the field is left out
            value = variables[field.variable]
            if isinstance(value, str) or (value is None and not field.required):
                values[field.wire] = value
            else:
                return None
        return values


def _plan(query: str, operation_name: str | None) -> Plan | None:
    try:
        return _build(query, operation_name)
    except _NoPlan:
        return None


def _name(operation: OperationDefinitionNode) -> str | None:
    return operation.name.value if operation.name else None


def _build(query: str, operation_name: str | None) -> Plan:
    document = parse(query, no_location=False)
    if len(document.definitions) != 1:
        raise _NoPlan
    operation = document.definitions[0]
    if (
        not isinstance(operation, OperationDefinitionNode)
        or operation.operation is not OperationType.MUTATION
        or operation.directives
        or (operation_name is not None and _name(operation) != operation_name)
        or len(operation.selection_set.selections) != 1
    ):
        raise _NoPlan
    field = operation.selection_set.selections[0]
    arguments = (field.arguments or ()) if isinstance(field, FieldNode) else ()
    if (
        not isinstance(field, FieldNode)
        or field.name.value not in MUTATIONS
        or field.directives
        or field.selection_set
        or len(arguments) != 1
        or arguments[0].name.value != "input"
    ):
        raise _NoPlan
    mutation = MUTATIONS[field.name.value]
    declared: dict[str, tuple[str, bool]] = {}
    for definition in operation.variable_definitions or ():
        if definition.default_value is not None or definition.directives:
            raise _NoPlan
        type_node, required = definition.type, False
        if isinstance(type_node, NonNullTypeNode):
            type_node, required = type_node.type, True
        if not isinstance(type_node, NamedTypeNode):
            raise _NoPlan
        declared[definition.variable.name.value] = (type_node.name.value, required)
    value = arguments[0].value
    key = field.alias.value if field.alias else field.name.value
    if isinstance(value, VariableNode):
        if declared.get(value.name.value) != (mutation.input_type, True):
            raise _NoPlan
        return Plan(field.name.value, key, field, None, value.name.value)
    if not isinstance(value, ObjectValueNode):
        raise _NoPlan
    fields = []
    for item in value.fields:
        wire = item.name.value
        if wire not in mutation.fields:
            raise _NoPlan
        if isinstance(item.value, StringValueNode):
            fields.append(_Field(wire, literal=item.value.value))
        elif isinstance(item.value, NullValueNode):
            fields.append(_Field(wire))
        elif isinstance(item.value, VariableNode):
            type_name, required = declared.get(item.value.name.value, ("", False))
            if type_name not in ("String", "ID"):
                raise _NoPlan
            fields.append(_Field(wire, variable=item.value.name.value, required=required))
        else:
            raise _NoPlan
    return Plan(field.name.value, key, field, tuple(fields), None)


Formatter = Callable[[GraphQLError], dict[str, Any]]


class ImportFastPath:
    def __init__(self, size: int = PLAN_CACHE_SIZE) -> None:
        self._plans: OrderedDict[tuple[str, str | None], Plan | None] = OrderedDict()
        self._size = size

    def plan(self, query: str, operation_name: str | None) -> Plan | None:
        return self._plans.get((query, operation_name))

    def forget(self) -> None:
        self._plans.clear()

    def learn(self, query: str, operation_name: str | None) -> None:
        """Called after the full executor ran ``query`` past validation."""
        key = (query, operation_name)
        if key in self._plans:
            return
        self._plans[key] = _plan(query, operation_name)
        if len(self._plans) > self._size:
            self._plans.popitem(last=False)

    async def run(
        self, plan: Plan, variables: Mapping[str, Any], context: Context, formatter: Formatter
    ) -> dict[str, Any] | None:
        """The response payload, or None when the full executor must answer."""
        values = plan.values(variables)
        if values is None:
            return None
        service = context.dealer_import
        call: Awaitable[Booking]
        if plan.mutation == "cancelBooking":
            booking_id = values.get("bookingId")
            if booking_id is None:
                return None
            call = service.cancel(booking_id, values.get("bookingSource"))
        elif plan.mutation == "changeBooking":
            call = service.change(import_input(values, KEEP))
        else:
            call = service.add(import_input(values, None))
        try:
            booking = await call
        except Exception as exc:  # the executor's error shape, through the same formatter
            error = GraphQLError(
                str(exc), nodes=plan.node, path=[plan.response_key], original_error=exc
            )
            return {"errors": [formatter(error)], "data": {plan.response_key: None}}
        return {"data": {plan.response_key: booking.id}}
