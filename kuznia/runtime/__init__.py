"""What runs on the compute: the bootstrap of a submitted run and its helpers."""
