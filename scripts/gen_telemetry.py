#!/usr/bin/env python3
"""Writes the quickstart telemetry: 30 minutes of traffic from five services.

What happens in it, so the demo has something to show:
  - payments.charge gets slow 22 minutes in (p99 about 2.5x);
  - inventory has an error burst in the last 3 minutes (about 30 % errors);
  - checkout is written in the {component, action, result} shape of the issue;
  - a few dozen lines are broken in every way the ingest rejects, to show the reasons.

Deterministic (seeded), so the demo prints the same numbers every time.
Usage: gen_telemetry.py OUT.jsonl [--minutes 30] [--rate 170]
"""
import argparse
import datetime as dt
import json
import math
import random

START = dt.datetime(2026, 11, 20, 10, 0, 0, tzinfo=dt.timezone.utc)


def iso(t):
    return (START + dt.timedelta(seconds=t)).strftime("%Y-%m-%dT%H:%M:%S.") + f"{int((t % 1) * 1000):03d}Z"


def lognormal(rng, median, sigma):
    return median * math.exp(rng.gauss(0.0, sigma))


def event(rng, t, minutes):
    end = minutes * 60
    pick = rng.random()
    if pick < 0.30:
        slow = t > end - 8 * 60
        latency = lognormal(rng, 95 if slow else 40, 0.55)
        outcome = "error" if rng.random() < 0.004 else "ok"
        return {"ts": iso(t), "metric": "http.server", "labels": {"service": "payments", "route": "/charge"},
                "latency_ms": round(latency, 3), "outcome": outcome, "trace_id": f"{rng.getrandbits(48):012x}"}
    if pick < 0.55:
        err = rng.random() < (0.30 if t > end - 3 * 60 else 0.006)
        latency = lognormal(rng, 12, 0.4) * (3 if err else 1)
        return {"ts": iso(t), "metric": "http.server", "labels": {"service": "inventory", "route": "/stock"},
                "latency_ms": round(latency, 3), "outcome": "error" if err else "ok",
                "error_code": "E503" if err else None}
    if pick < 0.75:
        r = rng.random()
        result = "timeout" if r < 0.002 else ("error" if r < 0.012 else "ok")
        return {"timestamp": iso(t), "trace_id": f"{rng.getrandbits(48):012x}", "session_id": f"s{rng.randint(1, 9999)}",
                "component": "checkout", "action": "pay", "result": result,
                "latency_ms": round(lognormal(rng, 180, 0.35), 3), "schema_version": 2}
    if pick < 0.93:
        return {"ts": iso(t), "metric": "http.server", "labels": {"service": "search", "route": "/q"},
                "latency_ms": round(lognormal(rng, 25, 0.7), 3), "outcome": "ok" if rng.random() > 0.003 else "error"}
    # A counter: logins, no latency.
    return {"ts": iso(t), "metric": "auth.login", "labels": {"method": rng.choice(["password", "sso"])},
            "outcome": "ok" if rng.random() > 0.05 else "error"}


BROKEN = [
    '{"ts":"2026-11-20T10:00:01Z","metric":"http.server","latency_ms":12',            # truncated
    'this is not json',                                                                # garbage
    '{"ts":"2026-11-20T10:00:02Z","metric":"http.server","latency_ms":"fast"}',      # wrong type
    '{"ts":"2026-11-20T10:00:03Z","metric":"http.server","latency_ms":1e400}',       # out of range number
    '{"ts":"2026-11-20T10:00:04Z","latency_ms":5}',                                    # no metric
    '{"ts":"yesterday","metric":"http.server","latency_ms":5}',                        # bad timestamp
    '{"ts":"2031-01-01T00:00:00Z","metric":"http.server","latency_ms":5}',            # far future
    '{"ts":"2026-11-20T10:00:05Z","metric":"http.server","outcome":"meh"}',          # unknown outcome
    '{"ts":"2026-11-20T10:00:06Z","metric":"a","metric":"b"}',                        # duplicate key
    '[1,2,3]',                                                                         # not an object
    '{"ts":"2026-11-20T10:00:07Z","metric":"http.server","latency_ms":-4}',          # negative latency
]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--minutes", type=int, default=30)
    parser.add_argument("--rate", type=int, default=170, help="events per second")
    args = parser.parse_args()
    rng = random.Random(20261120)
    total = args.minutes * 60 * args.rate
    with open(args.out, "w", encoding="utf-8", newline="\n") as out:
        for i in range(total):
            t = i / args.rate
            record = event(rng, t, args.minutes)
            record = {k: v for k, v in record.items() if v is not None}
            out.write(json.dumps(record, separators=(",", ":")) + "\n")
            if i % 9000 == 4500:
                out.write(BROKEN[(i // 9000) % len(BROKEN)] + "\n")
    with open(args.out, "ab") as out:  # one line that is not UTF-8 at all
        out.write(b'{"ts":"' + iso(total / args.rate).encode() + b'","metric":"bad\xff\xfe"}\n')


if __name__ == "__main__":
    main()
