"""What a lobby kiosk may know of an account: finding it from what a tenant types or scans,
and the minimal view shown on the kiosk's screen."""
