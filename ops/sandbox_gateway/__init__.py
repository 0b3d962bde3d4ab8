"""A sandbox payment gateway: Alipay, WeChat Pay v3 and UnionPay ACP wire formats in one process."""
