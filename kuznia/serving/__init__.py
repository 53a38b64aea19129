"""Serving models: the replica that runs a scoring script, the gateway that fronts replicas,
and the process mechanics of deployments."""
