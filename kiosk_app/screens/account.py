"""Account: the masked name, balance, supply state in the shared colours with its word, days
left, the last 30 days' use as bars, the recent recharges."""

from decimal import Decimal

from kivy.uix.screenmanager import Screen

from kiosk_app.screens.recharge import CHANNELS


class AccountScreen(Screen):
    @staticmethod
    def recharges_text(account: dict, tr) -> str:
        rows = account.get("recharges") or []
        if not rows:
            return tr._("No recharges yet.")
        return "\n".join(f"{r['at']}    ¥ {r['amount']}    {tr._(CHANNELS.get(r['channel'], r['channel']))}"
                         for r in rows)

    @staticmethod
    def days_text(account: dict, tr) -> str:
        days = account.get("days_left")
        return tr._("Days left: {days}", days="—" if days is None else days)

    @staticmethod
    def usage_text(account: dict, tr) -> str:
        """Under the bars, which carry no numbers: the total and the busiest day, or a sentence
        saying there was none (an empty chart alone looks broken)."""
        values = [Decimal(str(row["kwh"])) for row in (account or {}).get("usage") or []]
        total = sum(values, Decimal(0))
        if not total:
            return tr._("No use recorded in the last 30 days.")
        return tr._("{total} kWh in all; the most in one day {top} kWh",
                    total=f"{total:.2f}", top=f"{max(values):.2f}")
