"""Screen logic as plain classes: no Kivy here, so each rule is tested without a window."""
