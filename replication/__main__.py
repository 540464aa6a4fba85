"""``python -m replication``: see :mod:`replication.cli` (run by a warm worker when ``REPLICATION_WARM=1``)."""

import sys

from replication import warm

if warm.enabled():
    code = warm.run(sys.argv[1:])
    if code is not None:
        sys.exit(code)

from replication.cli import main

sys.exit(main())
