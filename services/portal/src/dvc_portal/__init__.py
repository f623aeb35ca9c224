"""Cổng DVC — the citizens' portal (dvc_portal): server-rendered pages on the other services' public APIs."""
