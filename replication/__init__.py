"""offshoring-be: replication of the Belgian offshoring studies on public WIOD / EU KLEMS data.

Data flow (one way): raw files (checksummed) -> tidy tables -> offshoring intensities -> panel
-> estimates -> tables, figures and report. See README.md and docs/DESIGN.md.
"""

import sys

# before any module that needs tomllib (3.11) is imported; pyproject's requires-python makes ruff call it outdated
if sys.version_info < (3, 11):  # noqa: UP036
    major, minor = sys.version_info[:2]
    raise SystemExit(f"error: offshoring-be needs Python 3.11 or newer; this is {major}.{minor} ({sys.executable})")

__version__ = "0.1.0"
