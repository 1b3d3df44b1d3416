"""Regressions from running the appointment API's (003) flows: its limits on customer details and
answers, error fields named as the client sent them, the tenant's e-mail requirement and the
X-TENANT-ID header."""

from __future__ import annotations

import dataclasses
from typing import Any

import httpx

from booking_gateway.app import create_app
from booking_gateway.settings import Settings
from tests.api.online import (
    CONFIRM,
    CREATE_BOOKING,
    CREATE_SERVICE,
    CUSTOMER,
    RESERVE,
    book,
    future_day,
    local_at,
    service,
    workshop,
)
from tests.api.queries import VIEWER
from tests.conftest import Api

SETTINGS = """
query { tenantSettings { customerEmailRequired } }
"""
UPDATE_SETTINGS = """
mutation($input: UpdateTenantSettingsInput!) {
  updateTenantSettings(input: $input) {
    __typename
    ... on UpdateTenantSettingsSuccess { settings { customerEmailRequired } }
    ... on ValidationError { code fields { field message } }
  }
}"""
QUESTIONS = """
query($id: ID!) {
  service(id: $id) {
    informationQuestions { id questionText questionTexts { language text } }
    screeningQuestions { id questionText questionTexts { language text } }
    customFields { id name names { language text } }
  }
}"""
ANSWER_LIMIT = 2048
PHONE_LIMIT = 255
NO_EMAIL = {k: v for k, v in CUSTOMER.items() if k != "email"}


def visit(workshop_id: str, service_ids: list[str], details: dict[str, Any]) -> dict[str, Any]:
    return {
        "input": {
            "workshopId": workshop_id,
            "serviceIds": service_ids,
            "startsAt": local_at(future_day(), "10:00"),
            "details": details,
        }
    }


def field_errors(result: dict[str, Any]) -> list[tuple[str, str]]:
    assert result["__typename"] == "ValidationError", result
    assert result["code"] == "BAD_USER_INPUT"
    return [(f["field"], f["message"]) for f in result["fields"]]


def required_question(question_id: str = "q1") -> dict[str, Any]:
    return {"id": question_id, "questionText": "What is wrong?", "required": True}


async def read_questions(api: Api, service_id: str, **headers: str) -> dict[str, Any]:
    response = await api.post(QUESTIONS, {"id": service_id}, **headers)
    body = response.json()
    assert "errors" not in body, body
    found: dict[str, Any] = body["data"]["service"]
    return found


def texts(found: dict[str, Any]) -> tuple[str, str, str]:
    return (
        found["informationQuestions"][0]["questionText"],
        found["screeningQuestions"][0]["questionText"],
        found["customFields"][0]["name"],
    )


async def test_an_answer_of_2048_characters_is_kept_whole(api: Api) -> None:
    # given a service with a required information question
    workshop_id = await workshop(api)
    service_id = await service(api, workshop_id, informationQuestions=[required_question()])
    answer = "x" * ANSWER_LIMIT

    # when the customer answers with 003's longest answer
    result = await api.ok(
        CREATE_BOOKING,
        visit(
            workshop_id,
            [service_id],
            {"customer": CUSTOMER, "answers": [{"questionId": "q1", "answer": answer}]},
        ),
    )

    # then it is booked with the whole answer
    booked = result["createBooking"]
    assert booked["__typename"] == "BookingSuccess", booked
    [booking] = booked["bookings"]
    assert booking["answers"] == [{"questionId": "q1", "answer": answer}]


async def test_a_too_long_answer_is_reported_once(api: Api) -> None:
    # given a service with a required information question
    workshop_id = await workshop(api)
    service_id = await service(api, workshop_id, informationQuestions=[required_question()])

    # when the answer is one character over the limit
    result = await api.ok(
        CREATE_BOOKING,
        visit(
            workshop_id,
            [service_id],
            {
                "customer": CUSTOMER,
                "answers": [{"questionId": "q1", "answer": "x" * (ANSWER_LIMIT + 1)}],
            },
        ),
    )

    # then the length is the one problem (not also "needs an answer")
    assert field_errors(result["createBooking"]) == [
        ("answers.q1", f"must be at most {ANSWER_LIMIT} characters")
    ]


async def test_a_question_two_services_share_is_reported_once(api: Api) -> None:
    # given two combinable services that both ask the required question q1
    workshop_id = await workshop(api)
    first = await service(api, workshop_id, informationQuestions=[required_question()])
    second = await service(
        api, workshop_id, informationQuestions=[required_question()], combinableWith=[first]
    )

    # when both are booked without an answer
    result = await api.ok(
        CREATE_BOOKING, visit(workshop_id, [first, second], {"customer": CUSTOMER})
    )

    # then the missing answer is one problem
    assert field_errors(result["createBooking"]) == [
        ("answers.q1", "'What is wrong?' needs an answer")
    ]


async def test_a_question_answered_twice_names_the_second_answer(api: Api) -> None:
    # given a service with a question
    workshop_id = await workshop(api)
    service_id = await service(api, workshop_id, informationQuestions=[required_question()])

    # when the client sends two answers to it
    result = await api.ok(
        CREATE_BOOKING,
        visit(
            workshop_id,
            [service_id],
            {
                "customer": CUSTOMER,
                "answers": [
                    {"questionId": "q1", "answer": "Brakes"},
                    {"questionId": "q1", "answer": "Tyres"},
                ],
            },
        ),
    )

    # then the second is refused by its place in the list, not silently dropped
    assert field_errors(result["createBooking"]) == [
        ("answers[1].questionId", "'q1' is answered twice")
    ]


async def test_phone_problems_name_the_phone_number_input(api: Api) -> None:
    # given a bookable service
    workshop_id = await workshop(api)
    service_id = await service(api, workshop_id)

    # when the customer's phoneNumber holds letters
    customer = {**CUSTOMER, "phoneNumber": "call me maybe"}
    result = await api.ok(CREATE_BOOKING, visit(workshop_id, [service_id], {"customer": customer}))

    # then the problem names the field as the client sent it
    assert field_errors(result["createBooking"]) == [
        ("customer.phoneNumber", "may hold digits, spaces and + ( ) . / - only")
    ]


async def test_a_255_character_phone_number_is_stored_whole(api: Api) -> None:
    # given a bookable service
    workshop_id = await workshop(api)
    service_id = await service(api, workshop_id)
    phone = "+" + "1" * (PHONE_LIMIT - 1)

    # when the customer gives 003's longest phone number
    result = await api.ok(
        CREATE_BOOKING,
        visit(workshop_id, [service_id], {"customer": {**CUSTOMER, "phoneNumber": phone}}),
    )

    # then the customer profile keeps all of it
    booked = result["createBooking"]
    assert booked["__typename"] == "BookingSuccess", booked
    assert booked["bookings"][0]["customer"]["phoneNumber"] == phone


async def test_a_longer_phone_number_is_refused_on_the_phone_number_input(api: Api) -> None:
    # given a bookable service
    workshop_id = await workshop(api)
    service_id = await service(api, workshop_id)

    # when the phone number is one character too long
    customer = {**CUSTOMER, "phoneNumber": "1" * (PHONE_LIMIT + 1)}
    result = await api.ok(CREATE_BOOKING, visit(workshop_id, [service_id], {"customer": customer}))

    # then the problem names the field as the client sent it
    assert field_errors(result["createBooking"]) == [
        ("customer.phoneNumber", f"must be at most {PHONE_LIMIT} characters")
    ]


async def test_custom_field_problems_name_the_custom_field_values_input(api: Api) -> None:
    # given a service with a mandatory and a numeric custom field
    workshop_id = await workshop(api)
    service_id = await service(
        api,
        workshop_id,
        customFields=[
            {"id": "plate", "name": "Plate", "isMandatory": True},
            {"id": "mileage", "name": "Mileage", "dataType": "NUMBER"},
        ],
    )

    # when the plate is left out and the mileage is not a number
    result = await api.ok(
        CREATE_BOOKING,
        visit(
            workshop_id,
            [service_id],
            {"customer": CUSTOMER, "customFieldValues": [{"id": "mileage", "value": "far"}]},
        ),
    )

    # then both problems are named after customFieldValues, keyed by the field's id
    assert sorted(field_errors(result["createBooking"])) == [
        ("customFieldValues.mileage", "must be a number"),
        ("customFieldValues.plate", "Plate is required"),
    ]


async def test_customer_email_required_is_off_by_default_and_can_be_turned_on(
    api: Api,
) -> None:
    # given a new tenant, which requires no e-mail address
    before = await api.ok(SETTINGS)
    assert before["tenantSettings"] == {"customerEmailRequired": False}
    workshop_id = await workshop(api)
    service_id = await service(api, workshop_id)
    booked = await book(
        api,
        workshop_id,
        [service_id],
        local_at(future_day(), "09:00"),
        details={"customer": NO_EMAIL},
    )
    assert booked["__typename"] == "BookingSuccess", booked
    assert booked["bookings"][0]["customer"]["email"] is None

    # when an admin turns the requirement on (as an appointment-API tenant does)
    updated = await api.ok(UPDATE_SETTINGS, {"input": {"customerEmailRequired": True}})

    # then it is saved and read back
    result = updated["updateTenantSettings"]
    assert result == {
        "__typename": "UpdateTenantSettingsSuccess",
        "settings": {"customerEmailRequired": True},
    }
    assert (await api.ok(SETTINGS))["tenantSettings"] == {"customerEmailRequired": True}


async def test_a_tenant_requiring_email_refuses_a_one_step_booking_without_one(
    api: Api,
) -> None:
    # given a tenant that requires the customer's e-mail address
    await api.ok(UPDATE_SETTINGS, {"input": {"customerEmailRequired": True}})
    workshop_id = await workshop(api)
    service_id = await service(api, workshop_id)

    # when a booking gives no e-mail address, or a blank one
    missing = await api.ok(CREATE_BOOKING, visit(workshop_id, [service_id], {"customer": NO_EMAIL}))
    blank = await api.ok(
        CREATE_BOOKING,
        visit(workshop_id, [service_id], {"customer": {**NO_EMAIL, "email": "  "}}),
    )

    # then both are refused on the e-mail field
    for result in (missing, blank):
        assert field_errors(result["createBooking"]) == [
            ("customer.email", "is required by this tenant")
        ]

    # and with the address the same slot books (nothing was taken)
    booked = await api.ok(CREATE_BOOKING, visit(workshop_id, [service_id], {"customer": CUSTOMER}))
    assert booked["createBooking"]["__typename"] == "BookingSuccess", booked


async def test_a_tenant_requiring_email_refuses_a_confirmation_without_one(api: Api) -> None:
    # given a tenant that requires the e-mail address, and a held timeslot
    await api.ok(UPDATE_SETTINGS, {"input": {"customerEmailRequired": True}})
    workshop_id = await workshop(api)
    service_id = await service(api, workshop_id)
    held = await api.ok(
        RESERVE,
        {
            "input": {
                "workshopId": workshop_id,
                "serviceIds": [service_id],
                "startsAt": local_at(future_day(), "10:00"),
            }
        },
    )
    reservation_id = held["reserveTimeslot"]["reservation"]["id"]

    # when it is confirmed without an e-mail address
    refused = await api.ok(
        CONFIRM, {"input": {"reservationId": reservation_id, "details": {"customer": NO_EMAIL}}}
    )

    # then it is refused on the e-mail field, and the hold can still be confirmed with one
    assert field_errors(refused["confirmReservation"]) == [
        ("customer.email", "is required by this tenant")
    ]
    confirmed = await api.ok(
        CONFIRM, {"input": {"reservationId": reservation_id, "details": {"customer": CUSTOMER}}}
    )
    result = confirmed["confirmReservation"]
    assert result["__typename"] == "BookingSuccess", result
    assert result["bookings"][0]["customer"]["email"] == CUSTOMER["email"]


async def test_question_texts_and_custom_field_labels_follow_accept_language(api: Api) -> None:
    # given a service whose questions and custom field are written in English and translated
    # to Danish
    workshop_id = await workshop(api)
    service_id = await service(
        api,
        workshop_id,
        informationQuestions=[
            {
                "id": "q1",
                "questionText": "What is wrong?",
                "questionTexts": [{"language": "da", "text": "Hvad er der galt?"}],
            }
        ],
        screeningQuestions=[
            {
                "id": "s1",
                "questionText": "Driveable?",
                "questionTexts": [{"language": "da-DK", "text": "Kan den køre?"}],
            }
        ],
        customFields=[
            {
                "id": "plate",
                "name": "Plate",
                "names": [{"language": "da", "text": "Nummerplade"}],
            }
        ],
    )

    # when a front end reads them in Danish, in French and without a preference
    danish = await read_questions(api, service_id, **{"accept-language": "da-DK,da;q=0.9"})
    french = await read_questions(api, service_id, **{"accept-language": "fr"})
    plain = await read_questions(api, service_id)

    # then Danish gets the translations and the others the texts as written
    assert texts(danish) == ("Hvad er der galt?", "Kan den køre?", "Nummerplade")
    assert texts(french) == texts(plain) == ("What is wrong?", "Driveable?", "Plate")

    # and every translation is listed
    assert plain["informationQuestions"][0]["questionTexts"] == [
        {"language": "da", "text": "Hvad er der galt?"}
    ]
    assert plain["screeningQuestions"][0]["questionTexts"] == [
        {"language": "da-DK", "text": "Kan den køre?"}
    ]
    assert plain["customFields"][0]["names"] == [{"language": "da", "text": "Nummerplade"}]


async def test_bad_translations_are_named_by_the_service_input(api: Api) -> None:
    # given a workshop
    workshop_id = await workshop(api)

    # when a service's translations have an empty text and a malformed language tag
    result = await api.ok(
        CREATE_SERVICE,
        {
            "input": {
                "names": [{"language": "en", "text": "Oil change"}],
                "durationMinutes": 60,
                "workshopIds": [workshop_id],
                "screeningQuestions": [
                    {
                        "id": "s1",
                        "questionText": "Driveable?",
                        "questionTexts": [{"language": "da", "text": " "}],
                    }
                ],
                "customFields": [
                    {"id": "plate", "name": "Plate", "names": [{"language": "d@", "text": "x"}]}
                ],
            }
        },
    )

    # then each problem names the input field the client sent
    refused = result["createService"]
    assert refused["__typename"] == "ValidationError", refused
    assert refused["code"] == "BAD_USER_INPUT"
    assert [f["field"] for f in refused["fields"]] == [
        "screeningQuestions[0].questionTexts.da",
        "customFields[0].names.d@",
    ]


async def test_browsers_may_send_x_tenant_id(settings: Settings) -> None:
    # given a gateway that allows a browser front end's origin
    origin = "https://booking.example"
    app = create_app(dataclasses.replace(settings, cors_origins=(origin,)))

    # when the browser asks before a request with the 003 tenant header
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.options(
            "/graphql",
            headers={
                "origin": origin,
                "access-control-request-method": "POST",
                "access-control-request-headers": "authorization, content-type, x-tenant-id",
            },
        )

    # then the header is allowed
    assert response.status_code == 200, response.text
    allowed = response.headers["access-control-allow-headers"].lower().split(", ")
    assert "x-tenant-id" in allowed


async def test_x_tenant_id_naming_the_tokens_tenant_is_accepted(api: Api) -> None:
    # when a 003 client sends its own tenant in X-TENANT-ID
    response = await api.post(VIEWER, None, **{"X-TENANT-ID": api.tenant})

    # then the request runs as usual
    assert response.status_code == 200
    body = response.json()
    assert "errors" not in body, body
    assert body["data"]["viewer"]["tenant"] == api.tenant


async def test_x_tenant_id_naming_another_tenant_is_forbidden_like_the_namespace(
    api: Api, other_api: Api
) -> None:
    # given the refusal of a namespace header naming another tenant
    namespace = await api.post(VIEWER, None, **{"x-organization-namespace": other_api.tenant})

    # when X-TENANT-ID names another (existing) tenant
    response = await api.post(VIEWER, None, **{"X-TENANT-ID": other_api.tenant})

    # then it is refused before GraphQL runs, exactly as the namespace header is
    assert response.status_code == namespace.status_code == 403
    assert response.json() == {
        "errors": [
            {
                "message": "x-tenant-id does not name the token's tenant",
                "extensions": {"code": "FORBIDDEN"},
            }
        ]
    }
    assert namespace.json()["errors"][0]["extensions"] == {"code": "FORBIDDEN"}
    assert "data" not in response.json()


async def test_a_custom_field_pattern_with_a_backreference_is_refused(api: Api) -> None:
    # given a workshop
    workshop_id = await workshop(api)

    # when an admin defines a custom field whose pattern needs backtracking
    refused = await api.ok(
        CREATE_SERVICE,
        {
            "input": {
                "names": [{"language": "en", "text": "Oil"}],
                "durationMinutes": 60,
                "workshopIds": [workshop_id],
                "customFields": [
                    {"id": "plate", "name": "Plate", "dataType": "TEXT", "regEx": r"(a)\1"}
                ],
            }
        },
    )

    # then the pattern is named as the problem
    result = refused["createService"]
    assert result["__typename"] == "ValidationError"
    assert [f["field"] for f in result["fields"]] == ["customFields[0].regEx"]
