"""The results as Markdown tables (what docs/performance.md shows)."""

import os
import platform
import time


def machine():
    model = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    nproc = os.cpu_count()
    with open("/proc/meminfo") as f:
        mem_kb = int(f.readline().split()[1])
    with open("/proc/loadavg") as f:
        load = " ".join(f.read().split()[:3])
    return {
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "cpu": model,
        "nproc": nproc,
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "load_at_start": load,
    }


def _ms(value):
    return "–" if value is None else f"{round(value * 1000)}"


def _s(value):
    return "–" if value is None else f"{value:.1f}"


def _mb(value):
    return "–" if not value else f"{value / 1024 / 1024:.0f}"


def _pct(value):
    return "–" if value is None else f"{value * 100:.0f} %"


def _kb(value):
    return "–" if value is None else f"{value / 1024:.1f}"


def tables(results, info):
    out = [
        f"Machine: {info['cpu']}, {info['nproc']} CPUs, {info['memory_gb']} GB; "
        f"Python {info['python']}; {info['date']}; load average at start {info['load_at_start']}. "
        f"Server pinned to CPU {info['server_cpus']}, phones to CPU {info['client_cpus']}.",
        "",
        "**Fan-out** (facilitator's click to the phone holding the new stage; ms) "
        "and server resources",
        "",
        "| config | phones | joined in s | median | p95 | max | full screen p95 | "
        "server part p95 | fetches done (max s) | errors | peak RSS MB | CPU idle | "
        "CPU broadcast | client CPU |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        f = r.get("fanout", {})
        out.append(
            f"| {r['config']} | {r['phones']} | {_s(r.get('join', {}).get('seconds'))} | "
            f"{_ms(f.get('stage', {}).get('median'))} | {_ms(f.get('stage', {}).get('p95'))} | "
            f"{_ms(f.get('stage', {}).get('max'))} | {_ms(f.get('screen', {}).get('p95'))} | "
            f"{_ms(f.get('server', {}).get('p95'))} | {_s(f.get('settled', {}).get('max'))} | "
            f"{r.get('error_count', '–')} | "
            f"{_mb(r.get('rss_peak'))} | {_pct(r.get('idle_cpu'))} | "
            f"{_pct(r.get('broadcast_cpu'))} | {_pct(r.get('client_cpu'))} |"
        )
    out += [
        "",
        "**Writes under live streaming** (open loop; latency from the planned send time; "
        "fan-out of the facilitator's timer changes during the burst)",
        "",
        "| config | phones | kind | sent | per s | p95 ms | max ms | failed | lost | duplicated "
        "| locked | fan-out p95 ms during burst | CPU |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r, w in [(run, w) for run in results for w in run.get("writes") or []]:
        out.append(
            f"| {r['config']} | {r['phones']} | {w['kind']} | {w['sent']} | "
            f"{w['per_second'] or 0:.0f} | {_ms(w['latency']['p95'])} | "
            f"{_ms(w['latency']['max'])} | {w['failed']} | {w['lost']} | {w['duplicated']} | "
            f"{r.get('locked', 0)} | {_ms(w['fanout']['p95'])} | {_pct(w['cpu'])} |"
        )
    out += [
        "",
        "**Restart and polling fallback**",
        "",
        "| config | phones | restart: streams cut | server up in s | 99 % back in s | "
        "all back in s | never back | poll req/s | poll CPU | poll p95 ms (204) | "
        "poll p95 ms (changed) | 99 % saw change in s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        rs, p = r.get("restart", {}), r.get("polling", {})
        out.append(
            f"| {r['config']} | {r['phones']} | {rs.get('affected', '–')} | "
            f"{_s(rs.get('server_start'))} | {_s(rs.get('back_99'))} | {_s(rs.get('back_all'))} | "
            f"{rs.get('never_back', '–')} | {p.get('requests_per_second', 0):.0f} | "
            f"{_pct(p.get('cpu'))} | {_ms(p.get('unchanged', {}).get('p95'))} | "
            f"{_ms(p.get('changed', {}).get('p95'))} | {_s(p.get('seen_99'))} |"
        )
    pages = [r for r in results if r.get("page")]
    if pages:
        page = pages[0]["page"]
        fan = pages[-1].get("fanout", {})
        out += [
            "",
            "**Page weight** (bytes on the wire as received: headers and compressed bodies)",
            "",
            f"- first load, join to the room's first screen: {_kb(page['cold_bytes'])} KB in "
            f"{page['cold_requests']} requests (static files served as "
            f"{', '.join(page['encodings'])})",
            f"- warm (the room page again, static files cached): {_kb(page['warm_bytes'])} KB in "
            f"{page['warm_requests']} requests",
            f"- a step change: {_kb(fan.get('push_bytes_per_phone'))} KB pushed per phone, "
            f"{fan.get('requests_per_phone', 0):.2f} requests per phone after the push",
            "- static files (bytes: br / gzip / none): "
            + "; ".join(
                f"{name} {s['br']} / {s['gzip']} / {s['identity']}"
                for name, s in sorted(page["assets"].items())
            ),
        ]
    errors = [(r["config"], r["phones"], r.get("errors")) for r in results if r.get("errors")]
    if errors:
        out += ["", "**Errors by kind**", ""]
        for config, phones, kinds in errors:
            listed = "; ".join(f"{k}: {v}" for k, v in sorted(kinds.items()))
            out.append(f"- {config}, {phones} phones: {listed}")
    return "\n".join(out) + "\n"
