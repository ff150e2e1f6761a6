"""Services over the core: judging cases (checker, screening), what-if, the result contract,
the audit log, rendering and the Russian messages."""
