"""The coordinator's dashboard: sessions, queue, overdue records and notices at a glance."""
