"""Online booking: timeslots, reservations (holds), confirmation, one-step bookings."""
