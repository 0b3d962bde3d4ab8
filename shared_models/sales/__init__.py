"""Tenant accounts and the money they are sold: opening and closing, counter sales, the one crediting path,
shifts and gapless receipt numbers."""
