"""Agendas: the cases placed on each session."""
