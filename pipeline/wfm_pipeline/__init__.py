"""Runs the Amazon Connect → WFM pipeline as operators do."""
