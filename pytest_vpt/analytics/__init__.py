"""Analyses over recorded history: pure functions of attempts and runs, no store, no pytest."""
