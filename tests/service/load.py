"""A trial for the load test: 8 assigners at 4 sites, with overlapping participants."""

from __future__ import annotations

from pathlib import Path

from participatie_rct.protocol import Protocol
from participatie_rct.registry import Register, users
from participatie_rct.registry.users import Role
from participatie_rct.service.loadtest import Intake

from .helpers import KEY, PROTOCOL, elfproef_bsns, write_key_files

SITES = ("Ede", "Tiel", "Wageningen", "Apeldoorn")
AGES = ("<27", "27-44", "45+")
N_CLIENTS = 8
PER_CLIENT = 100
SHARED = 5  # the first 5 of each client are also sent by the other client at the same site


def load_trial(url: str, folder: Path) -> tuple[Path, Path, list[tuple[str, list[Intake]]]]:
    """Create the register; return the key file, the secret file and each client's work."""
    key_file, secret_file = write_key_files(folder)
    protocol = Protocol.from_text(PROTOCOL, source="trial.toml")
    bsns = iter(elfproef_bsns(N_CLIENTS * PER_CLIENT, start=400_000_000))
    work: list[tuple[str, list[Intake]]] = []
    with Register.create(url, protocol, key=KEY) as reg:
        shared: dict[str, list[Intake]] = {}
        for i in range(N_CLIENTS):
            site = SITES[i % len(SITES)]
            _u, token = users.add_user(reg, f"desk{i}", Role.ASSIGNER, [site], by="test")
            if site not in shared:
                shared[site] = [
                    Intake(next(bsns), {"age_group": AGES[j % 3]}) for j in range(SHARED)
                ]
            own = [
                Intake(next(bsns), {"age_group": AGES[j % 3]}) for j in range(PER_CLIENT - SHARED)
            ]
            work.append((token, [*shared[site], *own]))
    return key_file, secret_file, work
