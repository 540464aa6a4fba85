"""Conventions shared by the WIOD-based sources."""

from __future__ import annotations

# WIOD 2013 codes Romania as ROM; the package uses ISO 3166 alpha-3 everywhere.
COUNTRY_ALIASES = {"ROM": "ROU"}


def normalise_country(code: str) -> str:
    return COUNTRY_ALIASES.get(code, code)
