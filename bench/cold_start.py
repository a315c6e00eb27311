"""Cold start: ``python -X importtime`` total for importing ``app`` (target < 300 ms) and the locker-event
Lambda's own handler ``chalicelib.locker_lambda`` (target <= 150 ms: a citizen waits on it), and the size
of the deployment zip (target < 10 MB; ``make package`` builds it).

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
HIDE_CRT = "import sys; sys.modules['awscrt'] = None; sys.modules['awscrt.auth'] = None; "
AS_PACKAGED = HIDE_CRT + "import app"
LOCKER_HANDLER = HIDE_CRT + "import chalicelib.locker_lambda"


def import_time_ms(code: str = AS_PACKAGED, module: str = "app") -> float:
    """Cumulative microseconds of ``module`` in -X importtime's report, in milliseconds."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "AWS_DEFAULT_REGION": "eu-central-1"}
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    for line in result.stderr.splitlines():
        found = re.match(rf"import time:\s+\d+ \|\s+(\d+) \| {re.escape(module)}$", line)
        if found:
            return int(found.group(1)) / 1000
    raise RuntimeError(f"{module} not found in -X importtime output")


def main() -> dict[str, Any]:
    runs = [import_time_ms() for _ in range(5)]
    median = statistics.median(runs)
    with_crt = statistics.median(import_time_ms("import app") for _ in range(3))
    print(
        f"Cold start: importing app takes {median:.0f} ms as packaged (median of 5 runs of -X importtime; "
        f"min {min(runs):.0f}, max {max(runs):.0f}); target < 300 ms: {'met' if median < 300 else 'NOT met'}"
    )
    print(f"  ({with_crt:.0f} ms in the development virtualenv, where botocore also loads awscrt)")
    locker = statistics.median(import_time_ms(LOCKER_HANDLER, "chalicelib.locker_lambda") for _ in range(5))
    print(
        f"Locker-event Lambda (chalicelib.locker_lambda.handler): importing it takes {locker:.0f} ms as packaged; "
        f"target <= 150 ms: {'met' if locker <= 150 else 'NOT met'}"
    )
    if not ZIP.exists():
        subprocess.run(["bash", "scripts/package.sh"], cwd=ROOT, check=True, capture_output=True)
    size = ZIP.stat().st_size / 1e6
    print(f"Deployment zip: {size:.1f} MB; target < 10 MB: {'met' if size < 10 else 'NOT met'}")
    return {"import_ms": median, "locker_import_ms": locker, "zip_mb": size}


if __name__ == "__main__":
    main()
