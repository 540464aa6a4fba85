"""offshoring-be: replication of the Belgian offshoring studies on public WIOD / EU KLEMS data.

Data flow (one way): raw files (checksummed) -> tidy tables -> offshoring intensities -> panel
-> estimates -> tables, figures and report. See README.md and docs/DESIGN.md.
"""

__version__ = "0.1.0"
