"""Launchers: start and stop the bootstrap of a run on a compute target."""
