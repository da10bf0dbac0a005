"""Execute ``docs/api.ipynb`` top to bottom and write it back with its outputs.

The notebook is committed executed, so a reader sees every cell's result without running it.
After changing a cell, or when the committed results it reads change:

    .venv/bin/python scripts/execute_notebook.py            # docs/api.ipynb in place
    .venv/bin/python scripts/execute_notebook.py OTHER.ipynb

It runs in a fresh kernel (this interpreter's) in a temporary folder, so the sweep it makes
(``out/api-tiny``) is not left in the checkout, with ``CI=true`` so that progress is plain
lines rather than a widget; no timings are recorded, so an unchanged notebook re-executes to
the same file but for the numbers that depend on the machine. Needs the [docs] extra
(nbclient, nbformat, ipykernel). ``tests/test_api.py`` checks that every code cell of the
committed notebook has its output, and that the notebook still runs.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def execute(path: Path, timeout: int = 600) -> None:
    """Execute the notebook at ``path`` in a fresh kernel and write it back with its outputs."""
    import nbclient
    import nbformat

    nb = nbformat.read(path, as_version=4)
    os.environ["CI"] = "true"  # the kernel inherits it: plain progress lines
    with tempfile.TemporaryDirectory() as tmp:
        nbclient.NotebookClient(nb, timeout=timeout, kernel_name="python3", record_timing=False,
                                resources={"metadata": {"path": tmp}}).execute()
    nbformat.write(nb, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path, default=[ROOT / "docs" / "api.ipynb"])
    for path in parser.parse_args(argv).notebooks:
        execute(path)
        print(f"executed {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
