"""Page-time benchmarks on PostgreSQL with the large demo data. Run: ``python -m benchmarks`` (or ``make bench``)."""
