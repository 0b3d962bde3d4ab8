"""The lobby kiosk's API (`/kiosk/...`): the only routes a kiosk device's token reaches, and the
staff's registry of kiosk devices (`/kiosk-devices`)."""
