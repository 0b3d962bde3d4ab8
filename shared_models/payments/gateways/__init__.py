"""One adapter per payment gateway (Alipay, WeChat Pay v3, UnionPay), verified with pycryptodome."""
