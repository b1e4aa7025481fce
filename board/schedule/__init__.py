"""Scheduling in the app: engine runs, placements, and the background scheduler process."""
