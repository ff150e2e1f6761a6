"""`rexcheck serve`: the screening service (engine/web/service.py; docs/service.md)."""

from __future__ import annotations

import contextlib
import ipaddress
import os
import socket
import sys
from pathlib import Path

import click
from rexcheck.cli.common import AUDIT_KEY_OPTION, AUDIT_LOG_OPTION, RULES_OPTION, fail
from rexcheck.facts.base.errors import InvalidInput


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 or the name localhost; any other name or address is not."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def refuse(message: str) -> None:
    """Could not start: one line on standard error, exit 2."""
    click.echo(f"rexcheck serve: {message}", err=True)
    sys.exit(2)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Any address but a loopback one (127.0.0.1, ::1, "
              "localhost) needs --token-file.")
@click.option("--port", type=click.IntRange(1, 65535), default=8080, show_default=True)
@RULES_OPTION
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Processes, each with the rules loaded and an engine process: N workers "
              "judge N cases at once on N cores.")
@click.option("--token-file", type=click.Path(dir_okay=False, path_type=Path),
              help="File holding the access token (16+ printable bytes, not readable by "
              "others): every request but /healthz and /readyz must then send "
              "'Authorization: Bearer TOKEN'.")
@AUDIT_LOG_OPTION
@AUDIT_KEY_OPTION
@click.option("--max-body", type=click.IntRange(1024), default=8 * 1024 * 1024,
              show_default=True, help="Largest body, in bytes, of /v1/check and /v1/whatif "
              "(413 past it).")
@click.option("--max-stream", type=click.IntRange(1024), default=1024 ** 3, show_default=True,
              help="Largest body, in bytes, of a /v1/screen stream (413 when declared "
              "larger; a stream that passes it ends with a summary saying so).")
@click.option("--timeout", type=click.FloatRange(0.1, 3600), default=30.0, show_default=True,
              help="Seconds: a body not received in time gets 408, an answer not ready in "
              "time 504; a /v1/screen stream ends when no data comes for this long.")
@click.option("--cors", "cors", multiple=True, metavar="ORIGIN",
              help="Allow browser pages from this origin (repeatable); off by default.")
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, rules_dir: Path | None, workers: int,
          token_file: Path | None, audit_log: Path | None, audit_key_file: Path | None,
          max_body: int, max_stream: int, timeout: float, cors: tuple[str, ...]) -> None:
    """Serve the checker over HTTP: the same results as `rexcheck check` and `screen`.

    \b
    Endpoints (docs/service.md; the OpenAPI document is GET /openapi.json):
      POST /v1/check      one case, JSON or YAML; ?as_of=&lang=&explain=
      POST /v1/screen     NDJSON in, NDJSON out, in input order, then a summary line
      POST /v1/whatif     a scenario over a population (or ?population=example)
      GET  /v1/rules, /v1/rules/{id}, /v1/parameters, /v1/calendar/due, /v1/schema/result
      GET  /healthz, /readyz

    Pages for people at / (docs/workbench.md): the rules by act, chapter and paragraph, a
    case tried in the browser, a what-if with its report and the proposal to download.
    Open http://127.0.0.1:8080/ once it runs.

    The rules are loaded once, at start, never from a request; SIGHUP (`kill -HUP PID`)
    replaces the workers one by one with workers that load the rules afresh (each logs the digest of
    the rules it loaded on standard error). Every decision gets a decision id and, with
    --audit-log, a line in the hash-chained log before it is answered. SIGTERM or Ctrl+C
    stop taking requests and finish those in flight.

    \b
    Examples:
      rexcheck serve
      curl -s --data-binary @facts/examples/refused-no-english.yaml \\
           -H 'Content-Type: application/yaml' http://127.0.0.1:8080/v1/check
      curl -s --data-binary @population.jsonl http://127.0.0.1:8080/v1/screen
      rexcheck serve --host 0.0.0.0 --token-file /etc/rexcheck/token --workers 2 \\
           --audit-log decisions.jsonl --audit-key /etc/rexcheck/audit.key

    Exit codes: 0 stopped by SIGTERM or Ctrl+C; 2 could not start (a non-loopback address
    without --token-file, a bad token or audit key file, invalid rules, the port in use, the
    service's packages not installed).
    """
    try:
        import uvicorn  # noqa: F401
        from rexcheck.engine.web.service import SETTINGS_ENV, Settings, read_token
    except ImportError as exc:
        refuse(f"the service needs FastAPI and uvicorn ({exc.name} is missing): "
               "pip install 'rexcheck[serve]'")
    if token_file is None and not is_loopback(host):
        refuse(f"refusing to listen on {host} without an access token: only loopback "
               "addresses (127.0.0.1, ::1) are served without one; give --token-file FILE")
    if token_file is not None:
        try:
            read_token(token_file)
        except ValueError as exc:
            refuse(str(exc))
    _check_audit(ctx, audit_log, audit_key_file)
    from rexcheck.engine.core.loader import load_rules

    try:
        digest = load_rules(rules_dir).digest  # fail fast: a worker would fail the same way
    except InvalidInput as exc:
        fail(exc.diagnostics)
    settings = Settings(
        rules=str(rules_dir.resolve()) if rules_dir else None,
        token_file=str(token_file.resolve()) if token_file else None,
        audit_log=str(audit_log.resolve()) if audit_log else None,
        audit_key=str(audit_key_file.resolve()) if audit_key_file and audit_log else None,
        max_body=max_body, max_stream=max_stream, timeout=timeout, cors=list(cors))
    os.environ[SETTINGS_ENV] = settings.to_env()  # the workers are spawned with it
    _run(host, port, workers, timeout, digest, token_file is not None)


def _check_audit(ctx: click.Context, audit_log: Path | None, key_file: Path | None) -> None:
    """The audit log and key are checked here, once, so a bad one stops the start."""
    from rexcheck.cli.common import open_audit_log, read_audit_key

    key = read_audit_key(ctx, key_file, needed=audit_log is not None)
    if audit_log is not None:
        open_audit_log(audit_log, key).close()


def _run(host: str, port: int, workers: int, timeout: float, digest: str, token: bool) -> None:
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    config = uvicorn.Config(
        "rexcheck.engine.web.service:create_app", factory=True, host=host, port=port,
        workers=workers, timeout_graceful_shutdown=int(max(30, 2 * timeout)),
        server_header=False, log_level="info")
    try:
        sock = config.bind_socket()
    except SystemExit:
        refuse(f"cannot listen on {host}:{port} (in use, or not an address of this "
               "machine)")
    # Connections accepted from this socket inherit TCP_NODELAY (Linux). Without it, an
    # answer's body, written after its headers, waited for the client's delayed ACK: 40 ms
    # on every request of a kept-alive connection. (asyncio sets it on the sockets it makes,
    # not on a socket handed to the workers, whose protocol number it cannot see.)
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"rexcheck serve: http://{shown}:{port}/ with {workers} worker(s), rules "
               f"{digest}, {'token required' if token else 'no token (loopback only)'}; "
               "SIGHUP reloads the rules, SIGTERM stops", err=True)
    # Workers run under uvicorn's supervisor even when there is one, so that SIGHUP
    # replaces them one by one (a new worker is ready before the old one is retired, and the
    # old one finishes its requests) and a worker that dies is replaced.
    Multiprocess(config, sockets=[sock]).run()
    sys.exit(0)
