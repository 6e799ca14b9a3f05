"""Demo data, scenarios and the market simulator: they drive services, never the database directly."""
