"""The ``kuznia`` command: one module per command group, calling the SDK only."""
