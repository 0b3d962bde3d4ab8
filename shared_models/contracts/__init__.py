"""Supply contracts (供用电合同): templates, the contract lifecycle, its PDF and renewals."""
