"""What the on-screen keypad has typed so far: digits only, bounded, one key at a time."""

from __future__ import annotations

BACKSPACE, CLEAR, DOT = "←", "C", "."


class KeypadBuffer:
    """Digits typed on the keypad; `dot` allows one decimal point and two decimals (an amount)."""

    def __init__(self, max_length: int = 20, *, dot: bool = False) -> None:
        self.max_length, self.dot, self.text = max_length, dot, ""

    def press(self, key: str) -> bool:
        """Apply one key; False when it was refused (too long, a second point, a third decimal)."""
        if key == BACKSPACE:
            self.text = self.text[:-1]
            return True
        if key == CLEAR:
            self.text = ""
            return True
        if key == DOT:
            if not self.dot or DOT in self.text or len(self.text) >= self.max_length:
                return False
            self.text = (self.text or "0") + DOT
            return True
        if len(key) != 1 or key not in "0123456789" or len(self.text) >= self.max_length:
            return False
        if self.dot and DOT in self.text and len(self.text.split(DOT)[1]) >= 2:
            return False
        if self.dot and self.text == "0":
            self.text = key  # no leading zeros in an amount
            return True
        self.text += key
        return True

    def clear(self) -> None:
        self.text = ""

    def masked(self, keep: int = 0) -> str:
        """The text as a passer-by may see it: all but the last `keep` digits as dots."""
        shown = self.text[-keep:] if keep else ""
        return "•" * (len(self.text) - len(shown)) + shown
