"""Time of `kdquiz fsrs optimize`'s fit, and what it buys, on simulated review histories.

    python benchmarks/bench_fsrs_fit.py [--days 60 120 240]

For each history length, a simulated learner who forgets faster than FSRS's defaults assume
(kdquiz/dev/simulate.py) reviews 150 questions on the default schedule; the fit then runs as the
app runs it (a cold sandbox subprocess). Printed: countable reviews, wall time (torch's import
included), and log-loss / RMSE of the default and the fitted parameters on the history. Goal:
under 30 s for a year of daily practice.
"""

from __future__ import annotations

import argparse
import time

from kdquiz.dev.simulate import simulated_history
from kdquiz.fsrs_fit import countable_reviews, default_parameters, run_fit


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, nargs="+", default=[60, 120, 240, 365])
    args = parser.parse_args()
    print(f"{'days':>5} {'reviews':>8} {'seconds':>8}   log-loss old → new   RMSE old → new")
    for days in args.days:
        history = simulated_history(questions=150, days=days)
        started = time.monotonic()
        outcome = run_fit(history, default_parameters())
        seconds = time.monotonic() - started
        if outcome.fit is None:
            print(f"{days:>5} {countable_reviews(history):>8} {'':>8}   ({outcome.failure})")
            continue
        old, new = outcome.fit.old, outcome.fit.new
        print(
            f"{days:>5} {new.reviews:>8} {seconds:8.1f}   {old.log_loss:.4f} → {new.log_loss:.4f}"
            f"      {old.rmse:.4f} → {new.rmse:.4f}"
        )


if __name__ == "__main__":
    main()
