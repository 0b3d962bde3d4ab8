"""Services: take a session and plain values, apply the rules, flush; callers commit."""
