"""Rolling-origin backtests of the whole-record calibration: calibrate on the figures
published up to each origin, predict the next year's figures and score them."""
