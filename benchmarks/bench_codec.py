"""Reading a pact file: `polycontract.codec.load_pact` on the pact `bench_verify.py` verifies.

The ASGI and WSGI rows of `bench_verify.py` read a 1,000-interaction V3 pact (provider state with params,
request headers, a JSON body and five body rules per interaction) and verify it; reading it is a large
share of their CPU. This measures that read alone, in CPU time (``time.process_time``):

* ``cold``: the first `load_pact` in a fresh process (imports done before the clock starts), median over
  ``--cold`` processes;
* ``warm``: later loads in one process, median of ``--repeat``.

Each load reads the file from disk, as the verifier does. The pact is written by `bench_verify.write_pact`.

Run: python benchmarks/bench_codec.py [N] [--repeat 20] [--cold 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_verify import write_pact

from polycontract.codec import load_pact


def cpu_of_loads(pact: Path, repeat: int) -> list[float]:
    """CPU seconds of each of ``repeat`` loads of ``pact`` in this process, in order."""
    times = []
    for _ in range(repeat):
        start = time.process_time()
        loaded = load_pact(pact)
        times.append(time.process_time() - start)
        del loaded
    return times


def cold_load(pact: Path) -> float:
    """CPU seconds of the first load of ``pact`` in a fresh process."""
    code = (
        "import sys, time, json; sys.path.insert(0, sys.argv[2]); "
        "from pathlib import Path; from polycontract.codec import load_pact; "
        "s = time.process_time(); load_pact(Path(sys.argv[1])); print(json.dumps(time.process_time() - s))"
    )
    here = str(Path(__file__).resolve().parent)
    out = subprocess.run([sys.executable, "-c", code, str(pact), here], capture_output=True, text=True, check=True)
    seconds: float = json.loads(out.stdout.strip().splitlines()[-1])
    return seconds


def main() -> None:
    """Write the pact, time cold and warm loads, print the medians."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("n", type=int, nargs="?", default=1000, help="interactions in the pact (default 1000)")
    parser.add_argument("--repeat", type=int, default=20, help="warm loads in this process (default 20)")
    parser.add_argument("--cold", type=int, default=5, help="fresh processes for the cold figure (default 5)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        pact = write_pact(args.n, Path(tmp))
        size = pact.stat().st_size
        cold = [cold_load(pact) for _ in range(args.cold)]
        warm = cpu_of_loads(pact, args.repeat + 1)[1:]
    print(f"load_pact, {args.n} interactions, {size / 1024:.0f} KiB file (CPU time, ms)")
    print(f"  cold  median {statistics.median(cold) * 1e3:7.1f}  min {min(cold) * 1e3:7.1f}  ({args.cold} processes)")
    print(f"  warm  median {statistics.median(warm) * 1e3:7.1f}  min {min(warm) * 1e3:7.1f}  ({args.repeat} loads)")
    print(f"  warm  per interaction {statistics.median(warm) / args.n * 1e6:.1f} us")


if __name__ == "__main__":
    main()
