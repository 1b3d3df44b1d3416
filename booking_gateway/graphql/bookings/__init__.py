"""Bookings: types, read queries and the Connected Cars compatible import mutations."""
