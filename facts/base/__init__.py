"""The base every layer uses: located diagnostics (errors.py) and YAML read safely with
the line and column of every value (yamlsource.py). It imports nothing else of rexcheck."""
