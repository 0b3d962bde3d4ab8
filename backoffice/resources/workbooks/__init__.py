"""Registry workbooks: template, import and export."""
