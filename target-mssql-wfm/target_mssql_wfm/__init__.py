"""target-mssql 0.2.1, corrected for the WFM raw tables (README.md)."""
