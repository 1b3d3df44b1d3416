"""What a customer or staff member adds to a booking: customer details, quantities per price
category, custom field values, answers to questions. Checked against the services'
definitions; every problem is reported at once."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from booking_gateway.domain.catalog import CustomFieldType, Service
from booking_gateway.domain.patterns import full_match
from booking_gateway.domain.validation import Problems

PERSONAL_IDENTIFIER_RE = re.compile(r"^[A-Za-z0-9]{10,48}$")
# Deliberately permissive (RFC 5322 is looser still); delivery is the real check.
EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
PHONE_RE = re.compile(r"^[0-9+()./ -]{3,}$")
REGISTRATION_RE = re.compile(r"^[A-Za-z0-9 -]{1,16}$")


@dataclass(frozen=True, slots=True)
class DetailLimits:
    """Longest accepted texts of booking details (the appointment API's (003) limits or more)."""

    name: int = 255
    email: int = 320
    phone: int = 255
    answer: int = 2048
    comment: int = 4000


DETAIL_LIMITS = DetailLimits()


@dataclass(frozen=True, slots=True)
class CustomerInput:
    personal_identifier: str
    first_name: str
    last_name: str
    email: str | None = None
    phone: str | None = None
    date_of_birth: date | None = None


@dataclass(frozen=True, slots=True)
class BookingDetails:
    customer: CustomerInput | None = None
    customer_id: str | None = None
    quantities: Sequence[tuple[str, int]] = ()
    custom_field_values: Sequence[tuple[str, str]] = ()
    answers: Sequence[tuple[str, str]] = ()
    vin: str | None = None
    registration_number: str | None = None
    internal_comment: str | None = None
    comment_to_customer: str | None = None
    customer_note: str | None = None  # the customer's note to the workshop
    notifications: dict[str, bool] = field(default_factory=dict)


def check_customer(
    p: Problems,
    customer: CustomerInput,
    needs_birth_date: bool,
    today: date,
    *,
    email_required: bool = False,
) -> CustomerInput:
    """The customer as given, trimmed; problems named by their ``BookingCustomerInput``
    fields. ``email_required``: the tenant's ``customerEmailRequired``."""
    limits = DETAIL_LIMITS
    if not PERSONAL_IDENTIFIER_RE.fullmatch(customer.personal_identifier or ""):
        p.add("customer.personalIdentifier", "must be 10-48 letters (A-Z, a-z) and digits")
    first = p.text("customer.firstName", customer.first_name, max_length=limits.name, required=True)
    last = p.text("customer.lastName", customer.last_name, max_length=limits.name, required=True)
    email = p.text("customer.email", customer.email, max_length=limits.email)
    if email and not EMAIL_RE.fullmatch(email):
        p.add("customer.email", "is not an e-mail address")
    elif email is None and email_required and not p.has("customer.email"):
        p.add("customer.email", "is required by this tenant")
    phone = p.text("customer.phoneNumber", customer.phone, max_length=limits.phone)
    if phone and not PHONE_RE.fullmatch(phone):
        p.add("customer.phoneNumber", "may hold digits, spaces and + ( ) . / - only")
    if customer.date_of_birth is None and needs_birth_date:
        p.add("customer.dateOfBirth", "is required for this service")
    if customer.date_of_birth is not None and customer.date_of_birth > today:
        p.add("customer.dateOfBirth", "lies in the future")
    return replace(customer, first_name=first or "", last_name=last or "", email=email, phone=phone)


@dataclass(frozen=True, slots=True)
class ContactChange:
    """Contact details to change on a booking; None leaves a field as it is."""

    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    phone: str | None = None


def check_contact(p: Problems, change: ContactChange) -> dict[str, str | None]:
    """The fields to change, as stored in ``customerContact``; names cannot be emptied, an
    empty e-mail or phone clears it (None)."""
    limits = DETAIL_LIMITS
    changes: dict[str, str | None] = {}
    if change.first_name is not None:
        changes["firstName"] = p.text(
            "details.firstName", change.first_name, max_length=limits.name, required=True
        )
    if change.last_name is not None:
        changes["lastName"] = p.text(
            "details.lastName", change.last_name, max_length=limits.name, required=True
        )
    if change.email is not None:
        email = p.text("details.email", change.email, max_length=limits.email)
        if email and not EMAIL_RE.fullmatch(email):
            p.add("details.email", "is not an e-mail address")
        changes["email"] = email
    if change.phone is not None:
        phone = p.text("details.phoneNumber", change.phone, max_length=limits.phone)
        if phone and not PHONE_RE.fullmatch(phone):
            p.add("details.phoneNumber", "may hold digits, spaces and + ( ) . / - only")
        changes["phone"] = phone
    if not changes:
        p.add("details", "give at least one field to change")
    return changes


def spots_from_quantities(
    p: Problems, services: Sequence[Service], details: BookingDetails, default: int
) -> int:
    """Spots taken: quantities of categories that occupy a spot, or ``default`` if none."""
    if not details.quantities:
        return default
    categories = {c.id: c for s in services for c in s.price_categories}
    spots = 0
    for i, (category_id, quantity) in enumerate(details.quantities):
        category = categories.get(category_id)
        if category is None:
            p.add(f"quantities[{i}].priceCategoryId", f"unknown price category {category_id!r}")
            continue
        if not 0 < quantity <= 1000:
            p.add(f"quantities[{i}].quantity", "must be between 1 and 1000")
            continue
        if category.occupies_spot:
            spots += quantity
    return spots or default


def check_spots(p: Problems, services: Sequence[Service], spots: int) -> None:
    for service in services:
        if not service.group_min <= spots <= service.group_max:
            p.add("spots", f"{service.id} takes {service.group_min}-{service.group_max} spots")


def check_custom_fields(
    p: Problems, services: Sequence[Service], details: BookingDetails
) -> dict[str, str]:
    definitions = {f.id: f for s in services for f in s.custom_fields}
    given: dict[str, str] = {}
    for i, (field_id, raw) in enumerate(details.custom_field_values):
        if field_id not in definitions:
            p.add(f"customFieldValues[{i}].id", f"unknown custom field {field_id!r}")
        elif field_id in given:
            p.add(f"customFieldValues[{i}].id", f"{field_id!r} is given twice")
        else:
            given[field_id] = raw
    checked: dict[str, str] = {}
    for field_id, definition in definitions.items():
        name = f"customFieldValues.{field_id}"
        value = p.text(name, given.pop(field_id, None), max_length=definition.max_length)
        if value is None:
            if definition.mandatory and not p.has(name):
                p.add(name, definition.mandatory_error_message or f"{definition.name} is required")
            continue
        checked[field_id] = value
        if definition.type is CustomFieldType.DROPDOWN and value not in definition.values:
            p.add(name, f"must be one of {', '.join(definition.values)}")
        elif definition.type is CustomFieldType.NUMBER and not re.fullmatch(
            r"-?\d+(\.\d+)?", value
        ):
            p.add(name, "must be a number")
        elif definition.type is CustomFieldType.CHECKBOX and value not in ("true", "false"):
            p.add(name, "must be true or false")
        elif definition.type is CustomFieldType.DATE and not _is_date(value):
            p.add(name, "must be a date such as 2026-12-01")
        elif definition.regex:
            matched = full_match(definition.regex, value)
            if matched is None:
                p.add(name, "the service's pattern cannot be checked; ask the workshop")
            elif not matched:
                p.add(name, definition.regex_error_message or f"does not match {definition.regex}")
    return checked


def check_answers(
    p: Problems, services: Sequence[Service], details: BookingDetails
) -> dict[str, str]:
    answers: dict[str, str] = {}
    for i, (question_id, answer) in enumerate(details.answers):
        if question_id in answers:
            p.add(f"answers[{i}].questionId", f"{question_id!r} is answered twice")
        else:
            answers[question_id] = answer
    known: set[str] = set()
    for service in services:
        # A question two services of the visit share is asked, and reported, once.
        for question in service.information_questions:
            if question.id in known:
                continue
            known.add(question.id)
            name = f"answers.{question.id}"
            text = p.text(name, answers.get(question.id), max_length=DETAIL_LIMITS.answer)
            if question.required and not text and not p.has(name):
                p.add(name, f"{question.text!r} needs an answer")
        for screening in service.screening_questions:
            if screening.id in known:
                continue
            known.add(screening.id)
            name = f"answers.{screening.id}"
            answer = (answers.get(screening.id) or "").strip().lower()
            if answer not in ("yes", "no"):
                p.add(name, f"{screening.text!r} needs yes or no")
            elif (answer == "yes") != screening.yes_required_answer:
                p.add(name, screening.answer_denied_message or "this answer does not allow booking")
    for question_id in answers:
        if question_id not in known:
            p.add(f"answers.{question_id}", "is not a question of these services")
    return {k: v for k, v in answers.items() if k in known}


def check_extras(p: Problems, details: BookingDetails) -> dict[str, Any]:
    """The free-form parts, as stored on each booking line."""
    registration = p.text("registrationNumber", details.registration_number, max_length=16)
    if registration and not REGISTRATION_RE.fullmatch(registration):
        p.add("registrationNumber", "may hold letters, digits, spaces and - only")
    return {
        "registrationNumber": registration,
        "internalComment": p.text(
            "internalComment", details.internal_comment, max_length=DETAIL_LIMITS.comment
        ),
        "commentToCustomer": p.text(
            "commentToCustomer", details.comment_to_customer, max_length=DETAIL_LIMITS.comment
        ),
        "customerNote": p.text(
            "customerNote", details.customer_note, max_length=DETAIL_LIMITS.comment
        ),
        "notifications": dict(details.notifications),
        "quantities": [{"priceCategoryId": c, "quantity": q} for c, q in details.quantities],
    }


def _is_date(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True
