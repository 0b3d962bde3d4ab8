"""RQ job functions of the metering worker; each takes ids only (JSON serializer)."""
