"""The citizens' pages (thin): read the request, call the services' public APIs, shape what the templates show.
One router per area, included by the app in the order of ``ROUTERS``; what they share is in ``common``.

| page | URL | services |
|---|---|---|
| home, search (procedures.py) | `/`, `/tim-kiem?q=` | catalog `GET /procedures/{code}` (popular), `GET /procedures?q=` |
| procedure (procedures.py) | `/thu-tuc/{code}` | catalog `GET /procedures/{code}` |
| submit (submission.py) | `/thu-tuc/{code}/nop-ho-so` | catalog, dossier `POST /dossiers` (citizen token) |
| my dossiers, a dossier (dossiers.py) | `/ho-so`, `/ho-so/{code}` | dossier `GET /dossiers?mine`, `GET /dossiers/{code}` |
| pay (dossiers.py) | `/ho-so/{code}/thanh-toan` | payment `GET /payments/{id}/link` → 303 to the signed pay page |
| public tracking (dossiers.py) | `/tra-cuu?ma=` | dossier `GET /track/{code}` |
| traffic fines (fines.py) | `/phat-nguoi` | payment `GET /fines/lookup`, `POST /fines/{no}/pay` |
| feedback (feedback.py) | `/phan-anh`, `/phan-anh/{id}` | feedback `POST /feedback`, `GET /feedback?mine`, `GET /feedback/{id}` |
| SMS opt-out (entrypoints/sms.py) | `/tin-nhan` | notify `GET`/`PUT`/`DELETE /citizen/opt-out` (citizen token) |
"""

from __future__ import annotations

from dvc_portal.entrypoints.web import dossiers, feedback, fines, procedures, submission

ROUTERS = (procedures.router, submission.router, dossiers.router, fines.router, feedback.router)
