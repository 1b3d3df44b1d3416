from __future__ import annotations

import strawberry

from booking_gateway.domain import catalog
from booking_gateway.services.catalog import ServiceInput as DomainServiceInput
from booking_gateway.services.catalog import WorkshopChange


@strawberry.input(description="A text in one language.")
class LocalizedTextInput:
    language: str = strawberry.field(description="Language tag, e.g. en or da-DK.")
    text: str = strawberry.field(description="The text.")


def _by_language(texts: list[LocalizedTextInput]) -> dict[str, str]:
    return {t.language: t.text for t in texts}


@strawberry.input(description="A price category.")
class PriceCategoryInput:
    id: strawberry.ID = strawberry.field(description="Unique in the service.")
    name: str = strawberry.field(description="e.g. Adult, Car.")
    price: str = strawberry.field(description="Decimal as text, e.g. 499.00.")
    currency: str = strawberry.field(description="ISO 4217, e.g. DKK.")
    occupies_spot: bool = strawberry.field(default=True, description="False: price line only.")


@strawberry.input(description="A free-text question.")
class InformationQuestionInput:
    id: strawberry.ID = strawberry.field(description="Unique in the service.")
    question_text: str = strawberry.field(
        description="The question; shown when questionTexts has no Accept-Language match."
    )
    question_texts: list[LocalizedTextInput] = strawberry.field(
        default_factory=list, description="The question per language (optional)."
    )
    clarification_text: str | None = strawberry.field(default=None, description="Help text.")
    required: bool = strawberry.field(default=False, description="An answer is needed.")


@strawberry.input(description="A yes/no question that can stop a booking.")
class ScreeningQuestionInput:
    id: strawberry.ID = strawberry.field(description="Unique in the service.")
    question_text: str = strawberry.field(
        description="The question; shown when questionTexts has no Accept-Language match."
    )
    question_texts: list[LocalizedTextInput] = strawberry.field(
        default_factory=list, description="The question per language (optional)."
    )
    clarification_text: str | None = strawberry.field(default=None, description="Help text.")
    yes_required_answer: bool = strawberry.field(default=True, description="Only yes books.")
    answer_denied_message: str | None = strawberry.field(
        default=None, description="Shown when the answer stops the booking."
    )


@strawberry.input(description="A custom field of bookings of the service.")
class CustomFieldInput:
    id: strawberry.ID = strawberry.field(description="Unique in the service.")
    name: str = strawberry.field(
        description="Label; shown when names has no Accept-Language match."
    )
    names: list[LocalizedTextInput] = strawberry.field(
        default_factory=list, description="Label per language (optional)."
    )
    data_type: catalog.CustomFieldType = strawberry.field(
        default=catalog.CustomFieldType.TEXT, description="How it is entered."
    )
    description: str | None = strawberry.field(default=None, description="Help text.")
    is_mandatory: bool = strawberry.field(default=False, description="Required to book.")
    mandatory_error_message: str | None = strawberry.field(default=None, description="If empty.")
    max_length: int = strawberry.field(default=255, description="1-4000.")
    reg_ex: str | None = strawberry.field(default=None, description="Full-match pattern.")
    reg_ex_error_message: str | None = strawberry.field(default=None, description="On mismatch.")
    values: list[str] = strawberry.field(default_factory=list, description="DROPDOWN choices.")
    default_value: str | None = strawberry.field(default=None, description="Suggested value.")


@strawberry.input(
    description="A service definition (create replaces nothing; update replaces "
    "the whole definition)."
)
class ServiceInput:
    names: list[LocalizedTextInput] = strawberry.field(description="Name per language.")
    duration_minutes: int = strawberry.field(description="Visit length (minimum if not fixed).")
    workshop_ids: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="Workshops offering it."
    )
    descriptions: list[LocalizedTextInput] = strawberry.field(
        default_factory=list, description="Description per language."
    )
    fixed_duration: bool = strawberry.field(default=True, description="False: booking gives end.")
    slot_interval_minutes: int = strawberry.field(default=15, description="Start grid, 5-1440.")
    buffer_before_minutes: int = strawberry.field(default=0, description="0-480.")
    buffer_after_minutes: int = strawberry.field(default=0, description="0-480.")
    cancellation_deadline_minutes: int | None = strawberry.field(
        default=None,
        description="Customer-side tokens may cancel or reschedule until this many minutes "
        "before the start, 0-43200; null: the tenant's setting.",
    )
    needs_confirmation: bool | None = strawberry.field(
        default=None,
        description="Customer-side bookings of it start PENDING until staff confirm or "
        "decline them; null: the tenant's bookingsNeedConfirmation.",
    )
    max_number_of_reservations: int = strawberry.field(
        default=1, description="Capacity: concurrent spots, 1-1000."
    )
    online_bookable: bool = strawberry.field(default=True, description="False: staff only.")
    group_booking_min: int = strawberry.field(default=1, description="Fewest spots per booking.")
    group_booking_max: int = strawberry.field(default=1, description="Most spots per booking.")
    price_categories: list[PriceCategoryInput] = strawberry.field(
        default_factory=list, description="Prices."
    )
    information_questions: list[InformationQuestionInput] = strawberry.field(
        default_factory=list, description="Free-text questions."
    )
    screening_questions: list[ScreeningQuestionInput] = strawberry.field(
        default_factory=list, description="Yes/no questions."
    )
    custom_fields: list[CustomFieldInput] = strawberry.field(
        default_factory=list, description="Extra booking fields."
    )
    required_resource_types: list[str] = strawberry.field(
        default_factory=list, description="One free resource of each type per booking."
    )
    resource_selection: bool = strawberry.field(default=False, description="Customer chooses.")
    requires_date_of_birth: bool = strawberry.field(default=False, description="Birth date.")
    combinable_with: list[strawberry.ID] = strawberry.field(
        default_factory=list, description="Services that may share a visit with it."
    )

    def to_domain(self) -> DomainServiceInput:
        return DomainServiceInput(
            names=_by_language(self.names),
            descriptions=_by_language(self.descriptions),
            duration_minutes=self.duration_minutes,
            workshop_ids=[str(w) for w in self.workshop_ids],
            fixed_duration=self.fixed_duration,
            slot_interval_minutes=self.slot_interval_minutes,
            buffer_before_minutes=self.buffer_before_minutes,
            buffer_after_minutes=self.buffer_after_minutes,
            cancellation_deadline_minutes=self.cancellation_deadline_minutes,
            needs_confirmation=self.needs_confirmation,
            capacity=self.max_number_of_reservations,
            online_bookable=self.online_bookable,
            group_min=self.group_booking_min,
            group_max=self.group_booking_max,
            price_categories=[
                catalog.PriceCategory(str(c.id), c.name, c.price, c.currency, c.occupies_spot)
                for c in self.price_categories
            ],
            information_questions=[
                catalog.InformationQuestion(
                    str(q.id),
                    q.question_text,
                    q.required,
                    q.clarification_text,
                    texts=_by_language(q.question_texts),
                )
                for q in self.information_questions
            ],
            screening_questions=[
                catalog.ScreeningQuestion(
                    str(q.id),
                    q.question_text,
                    q.yes_required_answer,
                    q.clarification_text,
                    q.answer_denied_message,
                    texts=_by_language(q.question_texts),
                )
                for q in self.screening_questions
            ],
            custom_fields=[
                catalog.CustomField(
                    id=str(f.id),
                    name=f.name,
                    type=f.data_type,
                    description=f.description,
                    mandatory=f.is_mandatory,
                    mandatory_error_message=f.mandatory_error_message,
                    max_length=f.max_length,
                    regex=f.reg_ex,
                    regex_error_message=f.reg_ex_error_message,
                    values=tuple(f.values),
                    default_value=f.default_value,
                    names=_by_language(f.names),
                )
                for f in self.custom_fields
            ],
            required_resource_types=list(self.required_resource_types),
            resource_selection=self.resource_selection,
            requires_date_of_birth=self.requires_date_of_birth,
            combinable_with=[str(c) for c in self.combinable_with],
        )


@strawberry.input(description="Opening intervals of a weekday.")
class WeekdayHoursInput:
    weekday: int = strawberry.field(description="0 = Monday ... 6 = Sunday.")
    intervals: list[list[str]] = strawberry.field(
        description='Local [opens, closes] pairs, e.g. [["08:00", "12:00"], ["12:30", "16:00"]].'
    )


@strawberry.input(description="A date with other hours; no intervals = closed.")
class SpecialDayInput:
    date: str = strawberry.field(description="YYYY-MM-DD.")
    intervals: list[list[str]] = strawberry.field(description="Local [opens, closes] pairs.")


@strawberry.input(description="Postal address.")
class AddressInput:
    street_name: str | None = strawberry.field(default=None, description="Street and number.")
    zip_code: str | None = strawberry.field(default=None, description="Postal code.")
    city: str | None = strawberry.field(default=None, description="City.")
    country: str | None = strawberry.field(default=None, description="Country.")


@strawberry.input(description="Workshop changes; fields left out stay as they are.")
class UpdateWorkshopInput:
    id: strawberry.ID = strawberry.field(description="The workshop.")
    name: str | None = strawberry.field(default=None, description="Display name.")
    dealer_number: str | None = strawberry.field(default=None, description="Dealer number.")
    time_zone: str | None = strawberry.field(default=None, description="IANA time zone.")
    address: AddressInput | None = strawberry.field(default=None, description="Address.")
    latitude: float | None = strawberry.field(default=None, description="-90..90.")
    longitude: float | None = strawberry.field(default=None, description="-180..180.")
    opening_hours: list[WeekdayHoursInput] | None = strawberry.field(
        default=None, description="Replaces the weekly hours (weekdays left out are closed)."
    )
    special_days: list[SpecialDayInput] | None = strawberry.field(
        default=None, description="Replaces the special days."
    )

    def to_domain(self) -> WorkshopChange:
        address = None
        if self.address is not None:
            address = {
                k: v
                for k, v in {
                    "streetName": self.address.street_name,
                    "zipCode": self.address.zip_code,
                    "city": self.address.city,
                    "country": self.address.country,
                }.items()
                if v is not None
            }
        return WorkshopChange(
            name=self.name,
            dealer_number=self.dealer_number,
            time_zone=self.time_zone,
            address=address,
            latitude=self.latitude,
            longitude=self.longitude,
            opening_hours=None
            if self.opening_hours is None
            else {h.weekday: [_pair(i) for i in h.intervals] for h in self.opening_hours},
            special_days=None
            if self.special_days is None
            else {d.date: [_pair(i) for i in d.intervals] for d in self.special_days},
        )


def _pair(values: list[str]) -> tuple[str, str]:
    return (values[0], values[1]) if len(values) == 2 else ("", "")


@strawberry.input(description="A service group.")
class CreateServiceGroupInput:
    names: list[LocalizedTextInput] = strawberry.field(description="Name per language.")
    service_ids: list[strawberry.ID] = strawberry.field(description="Services, in order.")
    index: int = strawberry.field(default=0, description="Sort position.")


@strawberry.input(description="A resource of a workshop.")
class CreateResourceInput:
    workshop_id: strawberry.ID = strawberry.field(description="Its workshop.")
    type: str = strawberry.field(description="e.g. lift, technician, loan-car.")
    name: str = strawberry.field(description="Display name.")
    subject: str | None = strawberry.field(
        default=None, description="Token `sub` of the person who is this resource (filter: mine)."
    )
