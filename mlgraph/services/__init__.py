"""Domain logic: every write and read of the catalog goes through these services."""
