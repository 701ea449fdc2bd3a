"""``participatie-rct serve``: run the randomization service (API and intake pages) under uvicorn.

The service alone holds the trial secret and the pseudonymisation key. It listens on
127.0.0.1 unless told otherwise, and refuses any other address without TLS or an explicit
``--behind-proxy`` (:func:`participatie_rct.service.check_bind` says why).
"""

from __future__ import annotations

from pathlib import Path

import typer

from participatie_rct.choices import OutputFormat
from participatie_rct.cli.common import (
    DbOption,
    FormatOption,
    KeyFileOption,
    echo_json,
    read_key,
    read_secret,
)

_HOST = typer.Option(
    "127.0.0.1", "--host", help="Address to listen on (default this machine only)."
)
_PORT = typer.Option(8000, "--port", help="Port to listen on.")
_SECRET = typer.Option(
    None,
    "--secret-file",
    help="File holding the trial secret (else $PARTICIPATIE_RCT_SECRET).",
    dir_okay=False,
)
_CERT = typer.Option(None, "--ssl-certfile", help="TLS certificate (PEM).", dir_okay=False)
_CERT_KEY = typer.Option(None, "--ssl-keyfile", help="TLS private key (PEM).", dir_okay=False)
_PROXY = typer.Option(
    False,
    "--behind-proxy",
    help="A reverse proxy that terminates TLS forwards to this address; trust its "
    "X-Forwarded-For (from 127.0.0.1, or the addresses in $FORWARDED_ALLOW_IPS).",
)


def serve(
    db: str = DbOption,
    host: str = _HOST,
    port: int = _PORT,
    secret_file: Path | None = _SECRET,
    key_file: Path | None = KeyFileOption,
    ssl_certfile: Path | None = _CERT,
    ssl_keyfile: Path | None = _CERT_KEY,
    behind_proxy: bool = _PROXY,
    output: OutputFormat = FormatOption,
) -> None:
    """Run the randomization service: HTTP API and intake pages over the register."""
    import uvicorn

    from participatie_rct.service import ServiceConfig, check_bind, create_app
    from participatie_rct.service.config import ServiceError
    from participatie_rct.service.http import access_log_config

    if (ssl_certfile is None) != (ssl_keyfile is None):
        raise ServiceError("TLS needs both --ssl-certfile and --ssl-keyfile; give both or neither.")
    tls = ssl_certfile is not None
    check_bind(host, tls=tls, behind_proxy=behind_proxy)
    config = ServiceConfig(
        db_url=db,
        secret=read_secret(secret_file),
        key=read_key(key_file),
        tls=tls,
        behind_proxy=behind_proxy,
    )
    app = create_app(config)
    scheme = "https" if tls else "http"
    trial, url = app.state.service.service.protocol.name, f"{scheme}://{host}:{port}/"
    if output is OutputFormat.JSON:  # one object as it starts; the access log goes to stderr
        echo_json({"trial": trial, "url": url})
    else:
        typer.echo(f"Serving {trial!r} on {url}")
    uvicorn.run(
        app,
        host=host,
        port=port,
        ssl_certfile=str(ssl_certfile) if ssl_certfile else None,
        ssl_keyfile=str(ssl_keyfile) if ssl_keyfile else None,
        proxy_headers=behind_proxy,
        server_header=False,
        date_header=False,
        log_config=access_log_config(),
    )


def register(app: typer.Typer) -> None:
    """Add ``serve`` to the root app."""
    app.command()(serve)
