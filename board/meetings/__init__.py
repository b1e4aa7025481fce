"""Meeting mode: attendance, each case's outcome, and finishing a meeting."""
