"""Analyses: forecast, compare, goal seek, score, calibration and sensitivity."""
