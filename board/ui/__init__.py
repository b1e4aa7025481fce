"""The coordinator's browser workspace: dashboard, cases, boards and specialists pages."""
