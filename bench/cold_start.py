"""Cold start: ``python -X importtime`` total for importing ``app`` (target < 300 ms), and the size of the
deployment zip (target < 10 MB; ``make package`` builds it).

``python -m bench.cold_start``
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
ZIP = ROOT / "build" / "prod" / "deployment.zip"


# The Lambda package has no awscrt (a device package); botocore imports it when present, so hide it.
AS_PACKAGED = "import sys; sys.modules['awscrt'] = None; sys.modules['awscrt.auth'] = None; import app"


def import_time_ms(code: str = AS_PACKAGED) -> float:
    """Cumulative microseconds of the ``app`` module in -X importtime's report, in milliseconds."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "AWS_DEFAULT_REGION": "eu-central-1"}
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    for line in result.stderr.splitlines():
        found = re.match(r"import time:\s+\d+ \|\s+(\d+) \| app$", line)
        if found:
            return int(found.group(1)) / 1000
    raise RuntimeError("app not found in -X importtime output")


def main() -> dict[str, Any]:
    runs = [import_time_ms() for _ in range(5)]
    median = statistics.median(runs)
    with_crt = statistics.median(import_time_ms("import app") for _ in range(3))
    print(
        f"Cold start: importing app takes {median:.0f} ms as packaged (median of 5 runs of -X importtime; "
        f"min {min(runs):.0f}, max {max(runs):.0f}); target < 300 ms: {'met' if median < 300 else 'NOT met'}"
    )
    print(f"  ({with_crt:.0f} ms in the development virtualenv, where botocore also loads awscrt)")
    if not ZIP.exists():
        subprocess.run(["bash", "scripts/package.sh"], cwd=ROOT, check=True, capture_output=True)
    size = ZIP.stat().st_size / 1e6
    print(f"Deployment zip: {size:.1f} MB; target < 10 MB: {'met' if size < 10 else 'NOT met'}")
    return {"import_ms": median, "zip_mb": size}


if __name__ == "__main__":
    main()
