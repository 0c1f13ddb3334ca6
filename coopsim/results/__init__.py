"""Results: replicate summaries, targets and output folders; numbers only, no plotting."""
