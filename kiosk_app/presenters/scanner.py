"""A scanner is a keyboard wedge: it types a code as a fast burst of keys ending in Enter.

A person types a key every 100 ms or more; a scanner sends one every few milliseconds. A burst
is kept while each key follows the last within `max_gap_s`; Enter after at least `min_length`
such keys is a scan. Slower keys, or Enter after too few, are not (they stay with the screen).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ScanDetector:
    max_gap_s: float = 0.05
    min_length: int = 4
    max_length: int = 64
    _burst: list[str] = field(default_factory=list)
    _last_at: float | None = None

    def key(self, char: str, at: float) -> str | None:
        """Feed one key (a printable character, or "\\n" for Enter) typed at `at` (seconds);
        returns the scanned code when this key ends a scan."""
        gap_ok = self._last_at is not None and at - self._last_at <= self.max_gap_s
        self._last_at = at
        if char in ("\n", "\r"):
            code = "".join(self._burst) if (gap_ok or not self._burst) else ""
            self._burst = []
            self._last_at = None
            return code if len(code) >= self.min_length else None
        if not gap_ok:
            self._burst = []
        if len(char) == 1 and char.isprintable() and len(self._burst) < self.max_length:
            self._burst.append(char)
        return None

    def reset(self) -> None:
        self._burst, self._last_at = [], None
