"""What is known about each meter: its live state, billable history, freshness, alarms, energy, the status
list, and the tenant's money wherever it is."""
