"""GraphQL documents shared by the API tests."""

# The three request bodies of the Connected Cars "Import service bookings" page, byte for byte.
SEED_ADD_BODY = rb'{"query":"mutation AddBooking(\n  $appointmentDate: String!\n  $bookingDealer: String!\n  $bookingId: String!\n  $bookingSource: String!\n  $vin: String!\n  $reasonKey: String!\n  $reasonText: String!\n) {\n  addBooking(\n    input: {\n      appointmentDate: $appointmentDate\n      bookingDealer: $bookingDealer\n      bookingId: $bookingId\n      bookingSource: $bookingSource\n      vin: $vin\n      reasonKey: $reasonKey\n      reasonText: $reasonText\n    }\n  )\n}\n","variables":{"appointmentDate":"2022-01-12","bookingDealer":"DEU12345N","bookingId":"12345","bookingSource":"user","vin":"WV1ZZZ1JZXW000001","reasonKey":"service","reasonText":"Service"},"operationName":"AddBooking"}'
SEED_CHANGE_BODY = rb'{"query":"mutation ChangeBooking(\n  $appointmentDate: String!\n  $bookingDealer: String!\n  $bookingId: String!\n  $bookingSource: String!\n  $vin: String!\n  $reasonKey: String!\n  $reasonText: String!\n) {\n  changeBooking(\n    input: {\n      appointmentDate: $appointmentDate\n      bookingDealer: $bookingDealer\n      bookingId: $bookingId\n      bookingSource: $bookingSource\n      vin: $vin\n      reasonKey: $reasonKey\n      reasonText: $reasonText\n    }\n  )\n}\n","variables":{"appointmentDate":"2022-01-12","bookingDealer":"DEU12345N","bookingId":"12345","bookingSource":"user","vin":"WV1ZZZ1JZXW000001","reasonKey":"maintenance","reasonText":"Maintenance Update"},"operationName":"ChangeBooking"}'
SEED_CANCEL_BODY = rb'{"query":"mutation CancelBooking(\n  $bookingId: String!\n) {\n  cancelBooking(\n    input: {\n      bookingId: $bookingId\n    }\n  )\n}\n","variables":{"bookingId":"12345"},"operationName":"CancelBooking"}'
SEED_USER_AGENT = "service-booking-integration/v1"

ADD = """
mutation Add($input: AddBookingInput!) { addBooking(input: $input) }
"""
CHANGE = """
mutation Change($input: ChangeBookingInput!) { changeBooking(input: $input) }
"""
CANCEL = """
mutation Cancel($input: CancelBookingInput!) { cancelBooking(input: $input) }
"""

BOOKING_FIELDS = """
  id status revision vin dealerNumber fleetId externalWorkshopId
  externalKey { source bookingId }
  appointment { precision date startsAt localStartsAt timeZone }
  reason { key text }
  workshop { id name dealerNumber }
  bookingCreatedAt createdAt updatedAt cancelledAt
  history {
    id action occurredAt requestId before after
    actor { subject userAgent }
    changes { field oldValue newValue }
  }
"""
BY_KEY = (
    "query ByKey($source: String!, $bookingId: String!) {"
    " bookingByExternalKey(source: $source, bookingId: $bookingId) {" + BOOKING_FIELDS + "} }"
)
BY_ID = "query ById($id: ID!) { booking(id: $id) {" + BOOKING_FIELDS + "} }"

CREATE_WORKSHOP = """
mutation CreateWorkshop($input: CreateWorkshopInput!) {
  createWorkshop(input: $input) {
    __typename
    ... on CreateWorkshopSuccess { workshop { id name dealerNumber timeZone } }
    ... on ValidationError { code message fields { field message } }
  }
}
"""
UPDATE_SETTINGS = """
mutation Settings($input: UpdateTenantSettingsInput!) {
  updateTenantSettings(input: $input) {
    __typename
    ... on UpdateTenantSettingsSuccess { settings { allowedBookingSources oneActiveBookingPerVehicle } }
    ... on ValidationError { code fields { field message } }
  }
}
"""
VIEWER = "{ viewer { tenant workshop subject scopes } }"


def booking_input(**overrides: object) -> dict[str, object]:
    """A valid addBooking/changeBooking input, as the seed sends it."""
    base: dict[str, object] = {
        "appointmentDate": "2022-01-12",
        "bookingDealer": "DEU12345N",
        "bookingId": "12345",
        "bookingSource": "user",
        "vin": "WV1ZZZ1JZXW000001",
        "reasonKey": "service",
        "reasonText": "Service",
    }
    base.update(overrides)
    return base
