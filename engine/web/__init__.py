"""The HTTP service (`rexcheck serve`) and the workbench pages it serves."""
