"""Boards: the standing conferences."""
