"""Examples shipped with rexcheck: the what-if proposal and its population (examples/whatif/,
which `rexcheck serve` offers as `population=example`), and screening on a Dask cluster
(dask_screen.py, docs/scale.md)."""
