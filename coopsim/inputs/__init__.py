"""Inputs: scenario and policy files, region data, calibration priors and movable settings."""
