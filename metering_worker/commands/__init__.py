"""Remote control: executing the outbox's command rows on meters and proving they applied."""
