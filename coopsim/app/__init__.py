"""The interactive scenario explorer (`coopsim app`): a scenario's levers as controls in a
local web page, with its targets' probabilities, fan charts, goal seeking and exports.

The page is served by tornado from this package's own files (nothing from the internet);
`coopsim.app.server.start` runs it in a background thread, for the command and for
notebooks alike (`coopsim.app.notebook.explore`).
"""
