"""Workshop operations, one module per feature (the same names as in services/):
booking_lists (grouped lists, cursor pages), booking_status (status transitions),
change_requests (cancel, reschedule, notes, and deciding change requests),
booking_participants, booking_messages, service_history. ``types`` holds their GraphQL types;
``resolvers`` assembles the root fields."""
