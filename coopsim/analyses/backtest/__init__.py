"""Rolling-origin backtests of the whole-record calibration: calibrate on the figures
published up to each origin (a year-end or a dated report's day), predict the figures of the
12 months after it and score them."""
