"""``make serve``: the service on the demo register, with demo users whose tokens it prints.

Run as ``python -m participatie_rct.cli.serve_demo [FOLDER]``. The demo register
(``FOLDER/trial.db``, default ``reports/demo``) is made by ``participatie-rct demo`` first when
it is missing. A new assigner (at every site of the demo) and a new monitor are added each
time, because names are never reused; their tokens are printed once. The service listens on
127.0.0.1:8000 only.
"""

from __future__ import annotations

import secrets
import sys
from pathlib import Path

DEFAULT_FOLDER = "reports/demo"
PORT = 8000


def main(argv: list[str] | None = None) -> None:
    """Make the demo register if needed, add the demo users, print their tokens, serve."""
    from participatie_rct.choices import Role
    from participatie_rct.cli import main as cli
    from participatie_rct.cli.common import read_secret
    from participatie_rct.registry import Register, users

    args = sys.argv[1:] if argv is None else argv
    folder = Path(args[0] if args else DEFAULT_FOLDER)
    db_path = folder / "trial.db"
    if not db_path.exists():
        from participatie_rct.trial.demo import run_demo

        print(f"Making the demo register in {folder} (about a minute)...", flush=True)
        run_demo(folder, formats=("html",))
    url = f"sqlite:///{db_path.resolve().as_posix()}"
    suffix = secrets.token_hex(2)
    secret = folder / "trial.secret"  # a sealed demo keeps its (public) secret beside it
    extra = ["--secret-file", str(secret)] if secret.exists() else []
    with Register.open(url, secret=read_secret(secret if secret.exists() else None)) as reg:
        sites = sorted(s for s in reg.status()["by_site"] if s)
        desk, desk_token = users.add_user(
            reg, f"demo-desk-{suffix}", Role.ASSIGNER, sites, by="make serve"
        )
        monitor, monitor_token = users.add_user(
            reg, f"demo-monitor-{suffix}", Role.MONITOR, [], by="make serve"
        )
    print(f"\nOpen http://127.0.0.1:{PORT}/ and sign in with an access code:", flush=True)
    print(f"  {desk.name} (assigner at {', '.join(sites)}):\n    {desk_token}")
    print(f"  {monitor.name} (monitor):\n    {monitor_token}")
    print("Stop with Ctrl-C.\n", flush=True)
    cli(["serve", "--db", url, "--port", str(PORT), *extra])


if __name__ == "__main__":
    main()
