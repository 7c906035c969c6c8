"""Stock levels for a warehouse (written to fail the Definition of Done)."""
