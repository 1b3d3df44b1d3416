"""Workshop operations: grouped lists, cursor pages, status transitions, rescheduling, notes,
participants, messages, change requests, service history."""
