"""Planning: engine input from rows, engine runs applied as agenda changes, placement answers."""
