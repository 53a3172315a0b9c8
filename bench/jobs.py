"""Job throughput benchmark (filled in with the jobs machinery)."""
