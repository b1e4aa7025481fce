"""Cases: requests for a second opinion."""
