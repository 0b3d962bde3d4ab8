"""The kiosk's own widgets: the big keypad, the usage chart, the QR image, the idle overlay."""
