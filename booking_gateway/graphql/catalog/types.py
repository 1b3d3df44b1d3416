from __future__ import annotations

from collections.abc import Mapping

import strawberry

from booking_gateway.domain import catalog, models
from booking_gateway.domain.catalog import pick_text, translated
from booking_gateway.graphql.context import Context


@strawberry.type(description="A text in one language.")
class LocalizedText:
    language: str = strawberry.field(description="Language tag, e.g. en or da-DK.")
    text: str = strawberry.field(description="The text.")


def localized(values: Mapping[str, str]) -> list[LocalizedText]:
    return [LocalizedText(language=k, text=v) for k, v in values.items()]


@strawberry.type(description="Postal address.")
class Address:
    street_name: str | None = strawberry.field(description="Street and number.")
    zip_code: str | None = strawberry.field(description="Postal code.")
    city: str | None = strawberry.field(description="City.")
    country: str | None = strawberry.field(description="Country (ISO 3166 code or name).")


@strawberry.type(description="Geographic position (WGS 84).")
class GeoLocation:
    latitude: float = strawberry.field(description="Degrees north, -90..90.")
    longitude: float = strawberry.field(description="Degrees east, -180..180.")


@strawberry.type(description="One opening interval in local wall-clock time.")
class OpeningInterval:
    opens: str = strawberry.field(description="HH:MM local time.")
    closes: str = strawberry.field(description="HH:MM local time.")


@strawberry.type(description="Opening intervals of a weekday.")
class WeekdayHours:
    weekday: int = strawberry.field(description="0 = Monday ... 6 = Sunday.")
    intervals: list[OpeningInterval] = strawberry.field(description="Empty when closed.")


@strawberry.type(description="A date whose hours replace the weekday's (empty = closed).")
class SpecialDay:
    date: str = strawberry.field(description="Local date, YYYY-MM-DD.")
    intervals: list[OpeningInterval] = strawberry.field(description="Empty when closed.")


def _intervals(pairs: list[list[str]]) -> list[OpeningInterval]:
    return [OpeningInterval(opens=a, closes=b) for a, b in pairs]


@strawberry.type(description="A workshop (branch) of the tenant.")
class Workshop:
    id: strawberry.ID = strawberry.field(description="Gateway workshop id.")
    name: str = strawberry.field(description="Display name.")
    dealer_number: str | None = strawberry.field(
        description="Dealer number (KVPS or similar) that dealer imports link by."
    )
    time_zone: str = strawberry.field(description="IANA time zone, e.g. Europe/Copenhagen.")
    address: Address | None = strawberry.field(description="Postal address.")
    location: GeoLocation | None = strawberry.field(description="Position, when known.")
    opening_hours: list[WeekdayHours] = strawberry.field(description="Weekly hours.")
    special_days: list[SpecialDay] = strawberry.field(
        description="Dates with other hours, or closed."
    )

    @classmethod
    def from_domain(cls, w: models.Workshop) -> Workshop:
        address = None
        if w.address:
            address = Address(
                street_name=w.address.get("streetName"),
                zip_code=w.address.get("zipCode"),
                city=w.address.get("city"),
                country=w.address.get("country"),
            )
        location = None
        if w.latitude is not None and w.longitude is not None:
            location = GeoLocation(latitude=w.latitude, longitude=w.longitude)
        return cls(
            id=strawberry.ID(w.id),
            name=w.name,
            dealer_number=w.dealer_number,
            time_zone=w.time_zone,
            address=address,
            location=location,
            opening_hours=[
                WeekdayHours(weekday=day, intervals=_intervals(w.opening_hours.get(str(day), [])))
                for day in range(7)
            ],
            special_days=[
                SpecialDay(date=day, intervals=_intervals(pairs))
                for day, pairs in sorted(w.special_days.items())
            ],
        )


@strawberry.type(description="A price category; quantities are booked per category.")
class PriceCategory:
    id: strawberry.ID = strawberry.field(description="Category id, unique in the service.")
    name: str = strawberry.field(description="e.g. Adult, Car, Van.")
    price: str = strawberry.field(description="Decimal amount as text, e.g. 499.00.")
    currency: str = strawberry.field(description="ISO 4217 code.")
    occupies_spot: bool = strawberry.field(description="False: a price line only.")


@strawberry.type(description="A question the customer answers in free text.")
class InformationQuestion:
    id: strawberry.ID = strawberry.field(description="Question id.")
    question_text: str = strawberry.field(
        description="The question in the Accept-Language language when it is translated "
        "to it, else as written."
    )
    question_texts: list[LocalizedText] = strawberry.field(
        description="Every translation of the question."
    )
    clarification_text: str | None = strawberry.field(description="Help text.")
    required: bool = strawberry.field(description="An answer is needed to book.")


@strawberry.type(description="A yes/no question that can stop a booking.")
class ScreeningQuestion:
    id: strawberry.ID = strawberry.field(description="Question id.")
    question_text: str = strawberry.field(
        description="The question in the Accept-Language language when it is translated "
        "to it, else as written."
    )
    question_texts: list[LocalizedText] = strawberry.field(
        description="Every translation of the question."
    )
    clarification_text: str | None = strawberry.field(description="Help text.")
    yes_required_answer: bool = strawberry.field(description="True: only `yes` may book.")
    answer_denied_message: str | None = strawberry.field(description="Shown when refused.")


@strawberry.type(description="A custom field a booking of this service carries.")
class CustomField:
    id: strawberry.ID = strawberry.field(description="Field id.")
    name: str = strawberry.field(
        description="Label, e.g. Mileage: in the Accept-Language language when it is "
        "translated to it, else as written."
    )
    names: list[LocalizedText] = strawberry.field(description="Every translation of the label.")
    description: str | None = strawberry.field(description="Help text.")
    data_type: catalog.CustomFieldType = strawberry.field(description="How it is entered.")
    is_mandatory: bool = strawberry.field(description="A value is needed to book.")
    mandatory_error_message: str | None = strawberry.field(description="Shown when missing.")
    max_length: int = strawberry.field(description="Longest accepted value.")
    reg_ex: str | None = strawberry.field(description="Value must match (full match).")
    reg_ex_error_message: str | None = strawberry.field(description="Shown on mismatch.")
    values: list[str] = strawberry.field(description="Choices of a DROPDOWN.")
    default_value: str | None = strawberry.field(description="Suggested value.")


@strawberry.type(description="How many spots one booking may take.")
class GroupBooking:
    min: int = strawberry.field(description="Fewest spots per booking.")
    max: int = strawberry.field(description="Most spots per booking.")


@strawberry.type(description="A bookable service.")
class Service:
    id: strawberry.ID = strawberry.field(description="Service id.")
    name: str = strawberry.field(description="Name in the Accept-Language language.")
    description: str | None = strawberry.field(description="Description, same language.")
    names: list[LocalizedText] = strawberry.field(description="Name in every language.")
    descriptions: list[LocalizedText] = strawberry.field(description="Every description.")
    duration_minutes: int = strawberry.field(
        description="Length of the visit (the minimum, when fixedDuration is false)."
    )
    fixed_duration: bool = strawberry.field(description="False: a booking gives its end.")
    slot_interval_minutes: int = strawberry.field(description="Start-time grid.")
    buffer_before_minutes: int = strawberry.field(description="Blocked before a visit.")
    buffer_after_minutes: int = strawberry.field(description="Blocked after a visit.")
    cancellation_deadline_minutes: int | None = strawberry.field(
        description="Its own cancellation deadline in minutes before the start; null: the tenant's."
    )
    needs_confirmation: bool | None = strawberry.field(
        description="Its own request-and-confirm policy; null: the tenant's."
    )
    max_number_of_reservations: int = strawberry.field(
        description="Capacity: spots of this service at the same time."
    )
    online_bookable: bool = strawberry.field(description="False: staff bookings only.")
    group_booking: GroupBooking = strawberry.field(description="Spots per booking.")
    price_categories: list[PriceCategory] = strawberry.field(description="Prices.")
    information_questions: list[InformationQuestion] = strawberry.field(
        description="Free-text questions."
    )
    screening_questions: list[ScreeningQuestion] = strawberry.field(
        description="Yes/no questions that can stop a booking."
    )
    custom_fields: list[CustomField] = strawberry.field(description="Extra booking fields.")
    required_resource_types: list[str] = strawberry.field(
        description="One free resource of each type is needed per booking."
    )
    resource_selection: bool = strawberry.field(
        description="The customer may choose a resource (requestedResourceId)."
    )
    requires_date_of_birth: bool = strawberry.field(description="Customer's birth date needed.")
    combinable_with: list[strawberry.ID] = strawberry.field(
        description="Services that may be booked with this one in one visit."
    )
    workshop_ids: strawberry.Private[tuple[str, ...]]

    @strawberry.field(description="Workshops offering this service.")
    async def workshops(self, info: strawberry.Info[Context, None]) -> list[Workshop]:
        found = await info.context.workshop_loader.load_many(list(self.workshop_ids))
        return [Workshop.from_domain(w) for w in found if w is not None]

    @classmethod
    def from_domain(cls, s: catalog.Service, languages: tuple[str, ...], fallback: str) -> Service:
        return cls(
            id=strawberry.ID(s.id),
            name=pick_text(s.names, languages, fallback),
            description=pick_text(s.descriptions, languages, fallback) or None,
            names=localized(s.names),
            descriptions=localized(s.descriptions),
            duration_minutes=s.duration_minutes,
            fixed_duration=s.fixed_duration,
            slot_interval_minutes=s.slot_interval_minutes,
            buffer_before_minutes=s.buffer_before_minutes,
            buffer_after_minutes=s.buffer_after_minutes,
            cancellation_deadline_minutes=s.cancellation_deadline_minutes,
            needs_confirmation=s.needs_confirmation,
            max_number_of_reservations=s.capacity,
            online_bookable=s.online_bookable,
            group_booking=GroupBooking(min=s.group_min, max=s.group_max),
            price_categories=[
                PriceCategory(
                    id=strawberry.ID(c.id),
                    name=c.name,
                    price=c.price,
                    currency=c.currency,
                    occupies_spot=c.occupies_spot,
                )
                for c in s.price_categories
            ],
            information_questions=[
                InformationQuestion(
                    id=strawberry.ID(q.id),
                    question_text=translated(q.text, q.texts, languages),
                    question_texts=localized(q.texts),
                    clarification_text=q.clarification,
                    required=q.required,
                )
                for q in s.information_questions
            ],
            screening_questions=[
                ScreeningQuestion(
                    id=strawberry.ID(q.id),
                    question_text=translated(q.text, q.texts, languages),
                    question_texts=localized(q.texts),
                    clarification_text=q.clarification,
                    yes_required_answer=q.yes_required_answer,
                    answer_denied_message=q.answer_denied_message,
                )
                for q in s.screening_questions
            ],
            custom_fields=[
                CustomField(
                    id=strawberry.ID(f.id),
                    name=translated(f.name, f.names, languages),
                    names=localized(f.names),
                    description=f.description,
                    data_type=f.type,
                    is_mandatory=f.mandatory,
                    mandatory_error_message=f.mandatory_error_message,
                    max_length=f.max_length,
                    reg_ex=f.regex,
                    reg_ex_error_message=f.regex_error_message,
                    values=list(f.values),
                    default_value=f.default_value,
                )
                for f in s.custom_fields
            ],
            required_resource_types=list(s.required_resource_types),
            resource_selection=s.resource_selection,
            requires_date_of_birth=s.requires_date_of_birth,
            combinable_with=[strawberry.ID(c) for c in s.combinable_with],
            workshop_ids=tuple(s.workshop_ids),
        )


@strawberry.type(description="Services shown together, e.g. Tyres.")
class ServiceGroup:
    id: strawberry.ID = strawberry.field(description="Group id.")
    name: str = strawberry.field(description="Name in the Accept-Language language.")
    names: list[LocalizedText] = strawberry.field(description="Name in every language.")
    index: int = strawberry.field(description="Sort position.")
    service_ids: strawberry.Private[tuple[str, ...]]

    @strawberry.field(description="The group's services, in order (those you may see).")
    async def services(self, info: strawberry.Info[Context, None]) -> list[Service]:
        found = await info.context.service_loader.load_many(list(self.service_ids))
        ctx = info.context
        return [
            Service.from_domain(s, ctx.languages, ctx.fallback_language)
            for s in found
            if s is not None
        ]


@strawberry.type(description="A bay, lift, technician, loan car...")
class Resource:
    id: strawberry.ID = strawberry.field(description="Resource id.")
    workshop_id: strawberry.ID = strawberry.field(description="Its workshop.")
    type: str = strawberry.field(description="Resource type, e.g. lift.")
    name: str = strawberry.field(description="Display name.")
    person: strawberry.Private[str | None]

    @strawberry.field(
        description="The staff member who is this resource (their token's `sub`, BokaMera's "
        "employee); null for customer-side tokens and for resources that are not a person."
    )
    def subject(self, info: strawberry.Info[Context, None]) -> str | None:
        return self.person if info.context.principal.is_staff else None

    @classmethod
    def from_domain(cls, r: catalog.WorkshopResource) -> Resource:
        return cls(
            id=strawberry.ID(r.id),
            workshop_id=strawberry.ID(r.workshop_id),
            type=r.type,
            name=r.name,
            person=r.subject,
        )
