"""The workbench's forms, read from a body the service already limited in size and time
(engine/web/service.py `read_body`): URL-encoded fields, or multipart with uploaded files.

Multipart is read with the standard library's email parser (the way `cgi` did it), so the
service needs no further package; each field is text (UTF-8) or, for a file, its name and
bytes. Nothing here writes a file or names one of the server.
"""

from __future__ import annotations

from dataclasses import dataclass
from email.parser import BytesParser
from email.policy import HTTP
from urllib.parse import parse_qs


@dataclass
class Upload:
    filename: str
    data: bytes


class FormError(ValueError):
    pass


def parse(body: bytes, content_type: str) -> dict[str, str | Upload]:
    """The fields of a form body; a file input left empty is left out."""
    kind = content_type.split(";", 1)[0].strip().lower()
    if kind == "application/x-www-form-urlencoded" or not kind:
        text = body.decode("utf-8", "replace")
        return {k: v[0] for k, v in parse_qs(text, keep_blank_values=True).items()}
    if kind != "multipart/form-data":
        raise FormError(f"a form is sent as multipart/form-data or URL-encoded, not {kind}")
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body)
    if not message.is_multipart():
        raise FormError("the form's body is not multipart as its Content-Type says")
    fields: dict[str, str | Upload] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not name:
            continue
        payload = part.get_payload(decode=True)  # bytes for a part that is not multipart
        data = payload if isinstance(payload, bytes) else b""
        filename = part.get_filename()
        if filename is not None:
            if filename or data:
                fields[str(name)] = Upload(str(filename) or "upload", data)
        else:
            fields[str(name)] = data.decode("utf-8", "replace")
    return fields


def text(fields: dict[str, str | Upload], name: str) -> str:
    value = fields.get(name)
    return value if isinstance(value, str) else ""


def upload(fields: dict[str, str | Upload], name: str) -> Upload | None:
    value = fields.get(name)
    return value if isinstance(value, Upload) and value.data else None
