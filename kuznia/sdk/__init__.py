"""User-facing classes with Azure ML v1 names: Workspace, Experiment, Run, …"""
