"""Who is calling (sessions, bearer tokens) and what they may do (roles, permissions, sites)."""
