"""Financial reports: sales journal, totals by period, account statements (one select each,
shared by the screen and the Excel export)."""
