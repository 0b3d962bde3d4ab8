"""Metering assets: batches, verification, dispatch, installation, rotation, scrapping, stock."""
