"""Registry workbooks (Excel): the layout, reading and writing .xlsx, import and export."""
