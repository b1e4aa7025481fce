"""Sessions: single meetings of a board."""
