"""Tools for the people who write rules: lint, rule tests, JSON Schemas, the catalogue and
the calendar page."""
