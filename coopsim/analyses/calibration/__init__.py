"""Bayesian calibration of a scenario's rates to a region's published figures."""
