"""One screen = one .py + one .kv; each shows one state of the flow."""

SCREEN_MODULES = ("home", "identify", "account", "recharge", "pay_code", "pay_qr", "paying", "done",
                  "failed", "out_of_service")
