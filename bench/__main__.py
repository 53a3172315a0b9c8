"""Entry point: python -m bench NAME [--rows N]."""

from __future__ import annotations

import argparse
import sys

from . import BENCHMARKS
from . import jobs as _jobs  # noqa: F401  (registers)
from . import pages as _pages  # noqa: F401  (registers)
from . import permissions as _permissions  # noqa: F401  (registers)
from . import records as _records  # noqa: F401  (registers)
from . import transfer as _transfer  # noqa: F401  (registers)
from . import views as _views  # noqa: F401  (registers)


def main(argv: list[str] | None = None) -> int:
    """Run one benchmark by name."""
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("name", choices=sorted(BENCHMARKS))
    parser.add_argument("--rows", type=int, default=None)
    args = parser.parse_args(argv)
    BENCHMARKS[args.name](args.rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
