"""The rule language and its runtime: rule schema, loading, conditions, compilation into
durable_rules, the engine contract, computed values, the calendar, findings and outcomes."""
