"""The model: hazards, the starting stock, posterior parameter sets and the compiled plan."""
