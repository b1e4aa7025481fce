"""Specialty and disease-site vocabularies."""
