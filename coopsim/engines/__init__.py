"""Engines that simulate a compiled plan, behind one contract (coopsim.engines.contract):
`des` (simpy) is the model of record, `fast` runs it in numpy on counts, `exact` in closed
form. coopsim.engines.registry picks one for every caller; coopsim.runs runs them."""
