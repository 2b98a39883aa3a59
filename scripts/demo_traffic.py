#!/usr/bin/env python3
"""Live traffic for `make demo`: appends telemetry to a JSON-lines file in real time.

First the last 60 seconds of healthy history (so windows are warm), then, every 100 ms, the
events of that slice, stamped now. The story, by seconds since start:
   0-5   healthy: checkout p99 about 230 ms, inventory 0.5 % errors
   5-12  checkout overloaded (p99 about 600 ms, 4 % errors); inventory failing (10 % errors)
  12-    both recover
Seeded, so the shape is the same every run (the timing is the machine's).
Usage: demo_traffic.py OUT.jsonl [--seconds 32] [--rate 250]
"""
import argparse
import datetime as dt
import json
import math
import random
import time


def iso(t):
    return dt.datetime.fromtimestamp(t, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def event(rng, t, phase):
    overloaded = phase == "overload"
    if rng.random() < 0.5:
        latency = 120 * math.exp(rng.gauss(0.0, 0.28)) * (2.6 if overloaded else 1)
        failed = rng.random() < (0.04 if overloaded else 0.002)
        return {"ts": iso(t), "metric": "http.server", "labels": {"service": "checkout"},
                "latency_ms": round(latency, 2), "outcome": "error" if failed else "ok"}
    failed = rng.random() < (0.10 if overloaded else 0.005)
    return {"ts": iso(t), "metric": "http.server", "labels": {"service": "inventory"},
            "latency_ms": round(12 * math.exp(rng.gauss(0.0, 0.4)), 2), "outcome": "error" if failed else "ok"}


def phase_at(second):
    return "overload" if 5 <= second < 12 else "healthy"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--seconds", type=float, default=32)
    parser.add_argument("--rate", type=int, default=250, help="events per second")
    args = parser.parse_args()
    rng = random.Random(20261124)
    start = time.time()
    with open(args.out, "a", buffering=1) as out:
        for i in range(60 * args.rate):
            out.write(json.dumps(event(rng, start - 60 + i / args.rate, "healthy")) + "\n")
        slice_s = 0.1
        n = 0
        while time.time() - start < args.seconds:
            now = time.time()
            phase = phase_at(now - start)
            out.write("".join(json.dumps(event(rng, now, phase)) + "\n" for _ in range(int(args.rate * slice_s))))
            n += 1
            time.sleep(max(0.0, start + n * slice_s - time.time()))


if __name__ == "__main__":
    main()
