"""The randomization service: an HTTP API and intake pages over the register.

Caseworkers at the intake desk assign through a web page or the API and never hold the trial
secret, the pseudonymisation key or anyone else's arm: :func:`create_app` builds the ASGI
application that alone holds them, and checks every request against the role matrix of
:mod:`.permissions` (docs/service.md). ``participatie-rct serve`` runs it under uvicorn.
"""

from participatie_rct.service.app import create_app
from participatie_rct.service.config import ServiceConfig, check_bind

__all__ = ["ServiceConfig", "check_bind", "create_app"]
