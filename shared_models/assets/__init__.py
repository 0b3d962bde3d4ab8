"""Metering asset management (电能计量管理): a meter's life from arrival to scrapping."""
