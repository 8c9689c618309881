"""The boards keep no data of their own: they read the ledgers' monthly summary
(:class:`cunzhan.ledgers.models.StationMonth`) and the other apps' records."""
