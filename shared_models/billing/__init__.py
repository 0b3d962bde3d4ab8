"""Postpaid billing (抄核收): billing modes, the monthly bill run, review, release and the bill."""
