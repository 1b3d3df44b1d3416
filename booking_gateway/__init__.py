"""GraphQL booking gateway for car workshops, dealers and other service businesses."""

__version__ = "0.1.0"
