"""Background jobs: the scheduler process, leader election, job definitions, firing claims."""
