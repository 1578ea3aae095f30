"""Every benchmark, one after the other, and one table at the end.

    .venv/bin/python -m bench            # the full figures (about 20 minutes)
    .venv/bin/python -m bench --quick    # a short version (about 3 minutes)
    .venv/bin/python -m bench --json bench.json

Runs ``bench.render``, ``bench.transitions``, ``bench.apps``, ``bench.custom`` and
``bench.latency`` (each of these two on a Mosquitto with its default settings and on a
tuned one), ``bench.realtime``, ``bench.soak``, ``bench.fleet`` and ``bench.durability`` (each also
runs alone, see its ``--help``) and prints a Markdown table with the machine, ready for
``docs/performance.md`` (durability prints its own figures). Run it on a quiet machine:
anything else using the CPU shows up in the latencies.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
from dataclasses import asdict
from typing import Any

from bench import apps, custom, durability, fleet, latency, realtime, render, soak, transitions
from bench.figures import ms, verdict
from bench.machine import describe_machine
from bench.stack import SERVICES

FULL = {
    "render_seconds": 5.0,
    "transition_frames": 600,
    "gif_seconds": 10.0,
    "custom_updates": 300,
    "custom_frames": 3000,
    "realtime_seconds": 10.0,
    "clients": [1, 100, 1000],
    "rounds": 100,
    "idle_seconds": 60.0,
    "soak_clients": 1000,
    "soak_rate": 50.0,
    "soak_seconds": 60.0,
    "fleet_boards": [10000],
    "fleet_rounds": 50,
    "durability_rounds": 60,
}
QUICK = {
    "render_seconds": 1.0,
    "transition_frames": 120,
    "gif_seconds": 3.0,
    "custom_updates": 50,
    "custom_frames": 600,
    "realtime_seconds": 3.0,
    "clients": [1, 100],
    "rounds": 30,
    "idle_seconds": 10.0,
    "soak_clients": 200,
    "soak_rate": 20.0,
    "soak_seconds": 15.0,
    "fleet_boards": [1000],
    "fleet_rounds": 20,
    "durability_rounds": 20,
}


STARS_CPU_TARGET = 2.0  # % of a core, stars at 60 fps on 64x32, preview off
FRAME_MS_TARGET = 2.0  # worst frame of any app at the largest size


def latency_row(lat: latency.LatencyReport, series: latency.Series, largest: bool) -> str:
    """One row of the fan-out: a path, a client count, a broker configuration.

    Targets (issue 17): p50 within 1.5× the baseline with one client, p99 within 1.5×
    with 100, on either broker; at the largest count every event, one api process.
    """
    count, path, broker = series.clients, series.path, series.broker
    what = "REST `POST /api/settings`" if path == "rest" else "MQTT `cmd/settings`"
    p50, p99 = (lat.ratio(path, count, stat, broker) for stat in ("p50", "p99"))
    targets, met = [], True
    if count == 1:
        targets.append("p50 ≤ 1.5× baseline")
        met = p50 <= 1.5
    if count == 100:
        targets.append("p99 ≤ 1.5× baseline")
        met = p99 <= 1.5
    if largest:
        targets.append("every event, one api process")
        met = met and series.lost == 0 and series.connected == count and lat.api_workers == 1
    return (
        f"| {what} → every client, {count} client{'s' if count > 1 else ''}, "
        f"broker {broker} | p50 {ms(series.p50)}, p99 {ms(series.p99)} "
        f"(×{p50:.2f} / ×{p99:.2f} baseline); "
        f"lost {series.lost} of {series.rounds * series.connected} | {'; '.join(targets)} | "
        f"{verdict(met) if targets else ''} |"
    )


def table(
    rows: list[render.RenderRow],
    lat: latency.LatencyReport,
    sk: soak.SoakReport,
    when: str,
    rt: realtime.RealtimeReport | None = None,
    fl: fleet.FleetReport | None = None,
    ap: apps.AppFigures | None = None,
    cu: custom.CustomReport | None = None,
    tr: transitions.TransitionReport | None = None,
) -> str:
    """The Markdown table of docs/performance.md."""
    lines = [
        f"Measured {when} on: {lat.machine}; api worker class `{lat.worker_class}`, "
        f"{lat.api_workers} worker.",
        "",
        "| measure | figure | target | verdict |",
        "|---|---|---|---|",
    ]
    add = lines.append
    largest = max((s.clients for s in lat.series), default=0)
    for count in sorted({s.clients for s in lat.series}):
        base = lat.find("baseline", "rest", count)
        for broker in lat.brokers:
            for path in ("rest", "mqtt"):
                series = lat.find("stack", path, count, broker)
                if series is not None:
                    add(latency_row(lat, series, count == largest))
        if base is not None:
            add(
                f"| baseline: bare Flask-SocketIO emit, {count} client"
                f"{'s' if count > 1 else ''} | p50 {ms(base.p50)}, p99 {ms(base.p99)}; "
                f"lost {base.lost} | | |"
            )
    if not math.isnan(lat.idle_cpu_percent):
        add(
            f"| idle CPU, api+bridge, 10 clients, {lat.idle_seconds:g} s | "
            f"{lat.idle_cpu_percent:.2f} % of a core (renderer with the clock: "
            f"{lat.idle_renderer_cpu_percent:.2f} %) | ≤ 0.3 % | "
            f"{verdict(lat.idle_cpu_percent <= 0.3)} |"
        )
    add(
        f"| soak: {sk.clients} clients, {sk.achieved_rate:.0f} commands/s for {sk.seconds:g} s | "
        f"{sk.changes} changes; lost {sk.lost}; coalesced {sk.coalesced}; wrong sequence "
        f"{sk.wrong_sequence}; every change on {sk.every_change_clients}/{sk.clients}; "
        f"final state on {sk.final_state_clients}/{sk.clients}; disconnects {sk.disconnects}; "
        f"caught up {sk.drain_seconds:.1f} s after; REST p50 {ms(sk.command_p50_ms)}, "
        f"p99 {ms(sk.command_p99_ms)}, {sk.command_errors} errors; api "
        f"{sk.api_us_per_delivery:.0f} µs CPU per delivery, the clients "
        f"{sk.client_us_per_delivery:.0f} µs | 0 lost or disconnected, all final"
        f"{', every change' if sk.require_every_change else ''}; REST p99 ≤ "
        f"{soak.REST_P99_TARGET_MS:g} ms, 0 errors | {verdict(sk.ok)} |"
    )
    for name in SERVICES:
        add(
            f"| RSS {name}: rest / start / peak / end | "
            f"{sk.rss_rest.get(name, math.nan):.1f} / {sk.rss_start.get(name, math.nan):.1f} / "
            f"{sk.rss_peak.get(name, math.nan):.1f} / {sk.rss_end.get(name, math.nan):.1f} MB "
            f"| flat | |"
        )
    for label, (rss, pss) in sk.processes_rest.items():
        peak_rss, peak_pss = sk.processes_peak.get(label, (math.nan, math.nan))
        add(
            f"| RSS / PSS process {label} ({sk.venv}): at rest / under load | "
            f"{rss:.1f} / {pss:.1f} MB; {peak_rss:.1f} / {peak_pss:.1f} MB | | |"
        )
    add(
        f"| memory, all services, broker excluded ({sk.venv}) | "
        f"at rest {sk.total_rss_rest:.1f} MB RSS "
        f"({sk.total_pss_rest:.1f} PSS), under load {sk.total_rss_peak:.1f} MB RSS "
        f"({sk.total_pss_peak:.1f} PSS) | ≤ 150 MB | "
        f"{verdict(max(sk.total_rss_rest, sk.total_rss_peak) <= soak.BUDGET_MB)} |"
    )
    for row in rows:
        if row.size == "64x32":
            target, met = "", ""
            if row.app == "stars":  # the renderer's CPU target: stars at 60 fps
                target = f"≤ {STARS_CPU_TARGET:g} % (preview off)"
                met = verdict(row.cpu_off <= STARS_CPU_TARGET)
            add(
                f"| renderer {row.app} 64x32 at {row.fps:.0f} fps | frame {row.mean_ms:.2f} ms "
                f"(worst {row.worst_ms:.2f}); CPU {row.cpu_off:.2f} % of a core, "
                f"{row.cpu_on:.2f} % with live preview | {target} | {met} |"
            )
    large = [row for row in rows if row.size != "64x32"]
    if large:
        slowest = max(large, key=lambda row: row.worst_ms)
        mean = max(row.mean_ms for row in large)
        add(
            f"| renderer, every app at {slowest.size} | frame mean ≤ {mean:.2f} ms, worst "
            f"{slowest.worst_ms:.2f} ms ({slowest.app}) | ≤ {FRAME_MS_TARGET:g} ms per frame | "
            f"{verdict(slowest.worst_ms <= FRAME_MS_TARGET)} |"
        )
    if tr is not None:
        lines.extend(transitions.table_rows(tr))
    if ap is not None:
        lines.extend(apps.table_rows(ap))
    if cu is not None:
        lines.extend(custom.table_rows(cu))
    if rt is not None:
        lines.extend(realtime.table_rows(rt))
    if fl is not None:
        lines.extend(fleet.table_rows(fl))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="short runs, fewer clients")
    parser.add_argument("--json", help="also write every figure to this file")
    parser.add_argument(
        "--dev-venv", action="store_true", help="soak: services from the development venv"
    )
    args = parser.parse_args()
    plan: dict[str, Any] = QUICK if args.quick else FULL
    when = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(f"machine: {describe_machine()}\n{'quick run' if args.quick else 'full run'}")

    print("\n== render ==")
    rows = render.run(plan["render_seconds"])
    print("\n== transitions ==", flush=True)
    tr = transitions.run(plan["transition_frames"])
    print("\n== apps ==", flush=True)
    ap = apps.run(plan["gif_seconds"])
    print("\n== custom ==", flush=True)
    cu = custom.run(plan["custom_updates"], plan["custom_frames"])
    print("\n== realtime ==", flush=True)
    rt = realtime.run(plan["realtime_seconds"])
    print("\n== latency ==", flush=True)
    lat = latency.run(plan["clients"], plan["rounds"], plan["idle_seconds"])
    print("\n== soak ==", flush=True)
    sk = soak.run(
        plan["soak_clients"], plan["soak_rate"], plan["soak_seconds"], dev_venv=args.dev_venv
    )
    soak.print_report(sk)
    print("\n== fleet ==", flush=True)
    fl = fleet.run(plan["fleet_boards"], rounds=plan["fleet_rounds"], dev_venv=args.dev_venv)
    print("\n== durability ==", flush=True)  # its figures are printed, not in the table
    durability.main(["--rounds", str(plan["durability_rounds"])])

    print(f"\n== summary ({'quick' if args.quick else 'full'}) ==\n")
    print(table(rows, lat, sk, when, rt, fl, ap, cu, tr))
    if args.json:
        with open(args.json, "w") as out:
            json.dump(
                {
                    "when": when,
                    "quick": args.quick,
                    "render": [asdict(row) for row in rows],
                    "transitions": tr.to_json(),
                    "apps": asdict(ap),
                    "custom": cu.to_json(),
                    "latency": lat.to_json(),
                    "soak": sk.to_json(),
                    "realtime": rt.to_json(),
                    "fleet": fl.to_json(),
                },
                out,
                indent=2,
            )


if __name__ == "__main__":
    main()
