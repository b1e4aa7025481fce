"""Calendar feeds: each specialist's and each board's sessions with their agendas."""
