"""Runs: chunks of replicates on executors, checkpoints, progress and the one ensemble runner."""
