"""Figures of the workflow, one module per figure (each with ``main(argv)`` for its rule)."""
