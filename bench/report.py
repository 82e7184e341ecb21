#!/usr/bin/env python3
"""Turns bench/results/raw.csv into results.md and throughput.png.

raw.csv holds one median per line: server,workload,clients,durability,metric,value, from the
load generator (servers basalt and null) and from bench/pg/run_pg.sh (server postgres, whose
durability is sync or nosync). Basalt's figures are printed beside the null server's (the
ceiling of client and loopback) and PostgreSQL's at matched durability, and as ratios to both.

Usage: report.py RESULTS_DIR   (stdlib only; gnuplot draws the chart when installed)
"""
import csv
import os
import shutil
import subprocess
import sys

# PostgreSQL's synchronous_commit setting that matches each Basalt write concern.
PG_DURABILITY = {"default": "nosync", "j:true": "sync"}
# One colour per line, the same in every panel.
COLOURS = {("basalt", "default"): "#7b2cbf", ("basalt", "j:true"): "#2d6a4f",
           ("null", "default"): "#6c757d", ("postgres", "default"): "#f77f00",
           ("postgres", "j:true"): "#d00000"}
SINGLE_OP = ["W1", "W2", "W3", "update_id", "W6_id", "W6_email", "W7A", "W7B", "W7C"]
BATCH = ["W4", "insertMany100k_ordered", "insertMany100k_unordered_dup10"]
LARGE_READS = ["find100k", "group", "topk"]
DESCRIPTIONS = {
    "W1": "insertOne, unique index on email",
    "W2": "upsert by email with $set, half the keys exist",
    "W3": "findOneAndUpdate by _id with $inc",
    "update_id": "updateOne by _id with $inc",
    "W6_id": "find one by _id",
    "W6_email": "find one by the unique email",
    "W7A": "YCSB A: 50% read, 50% update, zipfian",
    "W7B": "YCSB B: 95% read, 5% update, zipfian",
    "W7C": "YCSB C: read only, zipfian",
    "W4": "insertMany 10,000 docs, ordered:false, 10% duplicates",
    "insertMany100k_ordered": "insertMany 100,000 docs, ordered, no duplicates",
    "insertMany100k_unordered_dup10": "insertMany 100,000 docs, ordered:false, 10% duplicates",
    "W5": "32 clients race insert, then upsert, on one email",
    "find100k": "find streaming 100,000 docs through getMore",
    "group": "$group by a field over the whole collection",
    "topk": "$sort + $limit 10 over the whole collection",
    "load": "initial load, insertMany of 10,000-doc batches from 4 threads",
}


class Results:
    def __init__(self, rows):
        self.values = {}
        for server, workload, clients, durability, metric, value in rows:
            if server == "postgres":
                # Stored under the Basalt durability it is matched with.
                durability = {v: k for k, v in PG_DURABILITY.items()}.get(durability, durability)
            self.values[(server, workload, int(clients), durability, metric)] = float(value)

    def get(self, server, workload, clients, durability, metric):
        return self.values.get((server, workload, clients, durability, metric))

    def keys(self, workload, metric, server=None):
        """(clients, durability) pairs that have `metric` on `server`, or by default on
        Basalt or the null server (PostgreSQL's extra rows, such as reads at both
        durabilities, only appear beside a figure of ours)."""
        servers = {server} if server else {"basalt", "null"}
        found = {(c, d) for (s, w, c, d, m) in self.values
                 if s in servers and w == workload and m == metric}
        return sorted(found, key=lambda cd: (cd[1] != "default", cd[0]))


def num(v, digits=0):
    if v is None:
        return "–"
    return f"{v:,.{digits}f}"


def ratio(a, b):
    if a is None or b is None or b == 0:
        return "–"
    return f"{a / b:.2f}"


def mb(kb):
    return None if kb is None else kb / 1024


def durability_label(d):
    return f"{d} (PG {PG_DURABILITY.get(d, d)})"


def table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def single_op_table(r):
    rows = []
    for wl in SINGLE_OP:
        for clients, d in r.keys(wl, "ops_per_sec"):
            b = lambda m: r.get("basalt", wl, clients, d, m)  # noqa: E731
            null_ops = r.get("null", wl, clients, d, "ops_per_sec")
            pg_ops = r.get("postgres", wl, clients, d, "ops_per_sec")
            rows.append([wl, clients, durability_label(d), num(b("ops_per_sec")), num(null_ops),
                         ratio(b("ops_per_sec"), null_ops), num(pg_ops),
                         ratio(b("ops_per_sec"), pg_ops),
                         f"{num(b('p50_us'))} / {num(b('p99_us'))} / {num(b('p999_us'))}",
                         num(b("cpu_us_per_op"), 1),
                         num(r.get("null", wl, clients, d, "cpu_us_per_op"), 1),
                         num(mb(b("peak_rss_kb")), 1)])
    return table(["workload", "clients", "durability", "Basalt ops/s", "null ops/s",
                  "Basalt/null", "PG ops/s", "Basalt/PG", "Basalt p50/p99/p99.9 µs",
                  "Basalt CPU µs/op", "null CPU µs/op", "Basalt peak RSS MB"], rows)


def achieved(ops, target):
    """The rate a fixed-rate run reached, flagged when the server could not keep up."""
    if ops is None or not target or ops >= 0.95 * target:
        return num(ops)
    return f"{num(ops)} (overloaded)"


def point_read_table(r):
    """Issue 4: median point-read latency beside the null server's round trip."""
    rows = []
    for wl in ("W6_id", "W6_email"):
        for clients, d in r.keys(wl, "p50_us"):
            g = lambda s, m: r.get(s, wl, clients, d, m)  # noqa: E731
            keys, docs = g("basalt", "explain_keys_examined"), g("basalt", "explain_docs_examined")
            rows.append([wl, clients, num(g("basalt", "p50_us")), num(g("null", "p50_us")),
                         ratio(g("basalt", "p50_us"), g("null", "p50_us")),
                         "–" if keys is None else f"{keys:.0f} / {docs:.0f}"])
    return table(["workload", "clients", "Basalt p50 µs", "null p50 µs (round trip)",
                  "Basalt/null", "keys / docs examined (explain)"], rows)


def open_loop_table(r):
    rows = []
    for wl in SINGLE_OP:
        for clients, d in r.keys(wl, "open_p99_us"):
            get = lambda s, m: r.get(s, wl, clients, d, m)  # noqa: E731
            pct = lambda s: "{} / {} / {}".format(*(num(get(s, m)) for m in  # noqa: E731
                                                    ("open_p50_us", "open_p99_us", "open_p999_us")))
            rows.append([wl, clients, num(get("basalt", "open_target_ops_per_sec")),
                         durability_label(d), pct("basalt"), pct("null"),
                         ratio(get("basalt", "open_p99_us"), get("null", "open_p99_us")),
                         pct("postgres"),
                         ratio(get("basalt", "open_p99_us"), get("postgres", "open_p99_us")),
                         achieved(get("basalt", "open_ops_per_sec"),
                                  get("basalt", "open_target_ops_per_sec"))])
    return table(["workload", "clients", "target ops/s", "durability",
                  "Basalt p50/p99/p99.9 µs", "null p50/p99/p99.9 µs", "Basalt/null p99",
                  "PG p50/p99/p99.9 µs", "Basalt/PG p99", "Basalt achieved ops/s"], rows)


def assertions(r, wl, clients, d):
    ok = r.get("basalt", wl, clients, d, "assert_ok")
    return "–" if ok is None else ("held" if ok == 1 else "**FAILED**")


def batch_table(r):
    rows = []
    for wl in BATCH:
        for clients, d in r.keys(wl, "docs_per_sec"):
            b = r.get("basalt", wl, clients, d, "docs_per_sec")
            n = r.get("null", wl, clients, d, "docs_per_sec")
            rows.append([wl, d, num(b), num(n), ratio(b, n),
                         num(r.get("basalt", wl, clients, d, "cpu_us_per_doc"), 2),
                         num(mb(r.get("basalt", wl, clients, d, "peak_rss_kb")), 1),
                         assertions(r, wl, clients, d)])
    return table(["workload", "durability", "Basalt docs/s", "null docs/s", "Basalt/null",
                  "Basalt CPU µs/doc", "Basalt peak RSS MB", "assertions"], rows)


def race_table(r):
    rows = []
    for clients, d in r.keys("W5", "rounds_per_sec"):
        g = lambda s, m: r.get(s, "W5", clients, d, m)  # noqa: E731
        rows.append(["W5", clients, d, num(g("basalt", "rounds_per_sec"), 1),
                     num(g("basalt", "ops_per_sec")), num(g("null", "ops_per_sec")),
                     ratio(g("basalt", "ops_per_sec"), g("null", "ops_per_sec")),
                     assertions(r, "W5", clients, d)])
    return table(["workload", "clients", "durability", "Basalt rounds/s", "Basalt ops/s",
                  "null ops/s", "Basalt/null", "assertions"], rows)


def large_read_table(r):
    rows = []
    for wl in LARGE_READS + ["load"]:
        for clients, d in r.keys(wl, "docs_per_sec"):
            g = lambda m: r.get("basalt", wl, clients, d, m)  # noqa: E731
            rows.append([wl, num(g("docs_per_sec")), num(g("cpu_us_per_doc"), 2),
                         num(mb(g("peak_rss_kb")), 1), num(mb(g("rss_growth_kb")), 1),
                         num(mb(g("result_kb")), 1), assertions(r, wl, clients, d)])
    return table(["workload", "Basalt docs/s", "CPU µs/doc", "peak RSS MB",
                  "RSS growth during the run MB", "result size MB", "assertions"], rows)


def target_rows(r):
    """Issue 9's targets (and issue 4's plan check), each as (target, measured, verdict)."""
    out = []

    def verdict(ok):
        return "–" if ok is None else ("met" if ok else "**missed**")

    for clients, goal in ((1, 0.85), (16, 0.8)):
        b = r.get("basalt", "W1", clients, "default", "ops_per_sec")
        n = r.get("null", "W1", clients, "default", "ops_per_sec")
        v = None if b is None or not n else b / n
        out.append((f"W1 {clients} client(s) ≥ {goal} × null", ratio(b, n),
                    verdict(None if v is None else v >= goal)))
    for wl in ("W1", "W6_id", "W3"):
        b = r.get("basalt", wl, 1, "default", "cpu_us_per_op")
        n = r.get("null", wl, 1, "default", "cpu_us_per_op")
        d = None if b is None or n is None else b - n
        out.append((f"{wl} 1 client: server CPU/op ≤ null's + 5 µs",
                     "–" if d is None else f"+{d:.1f} µs",
                     verdict(None if d is None else d <= 5)))
    for wl in ("W6_id", "W6_email"):
        keys = r.get("basalt", wl, 1, "default", "explain_keys_examined")
        docs = r.get("basalt", wl, 1, "default", "explain_docs_examined")
        out.append((f"{wl} examines 1 key and 1 document (issue 4, explain)",
                    "–" if keys is None else f"{keys:.0f} keys, {docs:.0f} docs",
                    verdict(None if keys is None else keys == 1 and docs == 1)))
    w4 = r.get("basalt", "W4", 1, "default", "docs_per_sec")
    out.append(("W4 ≥ 500,000 docs/s", num(w4), verdict(None if w4 is None else w4 >= 500000)))
    for wl in ("W1", "W2"):
        for d in ("default", "j:true"):
            for clients, _ in [k for k in r.keys(wl, "ops_per_sec") if k[1] == d]:
                b = r.get("basalt", wl, clients, d, "ops_per_sec")
                p = r.get("postgres", wl, clients, d, "ops_per_sec")
                if p is None:
                    continue
                out.append((f"{wl} {clients} client(s), {durability_label(d)} ≥ 1.3 × PG",
                            ratio(b, p), verdict(b / p >= 1.3 if p else None)))
    for wl in ("W6_id", "W6_email"):
        for clients, d in r.keys(wl, "open_p99_us"):
            b = r.get("basalt", wl, clients, d, "open_p99_us")
            n = r.get("null", wl, clients, d, "open_p99_us")
            out.append((f"{wl} open-loop p99 ≤ 2 × null's", ratio(b, n),
                        verdict(None if b is None or not n else b <= 2 * n)))
    return out


def plot(r, out_dir):
    """throughput.png: ops/s against clients, a panel per workload, a line per server."""
    if shutil.which("gnuplot") is None:
        return "gnuplot is not installed: no chart"
    panels, data_dir = [], os.path.join(out_dir, "plot")
    os.makedirs(data_dir, exist_ok=True)
    for wl in ("W1", "W2", "W3", "W6_id"):
        series = []
        for server in ("basalt", "null", "postgres"):
            durabilities = ("default",) if server == "null" else ("default", "j:true")
            for d in durabilities:
                points = sorted(c for c, dd in r.keys(wl, "ops_per_sec", server) if dd == d)
                if not points:
                    continue
                path = os.path.join(data_dir, f"{wl}_{server}_{d.replace(':', '')}.dat")
                with open(path, "w") as f:
                    for c in points:
                        f.write(f"{c} {r.get(server, wl, c, d, 'ops_per_sec')}\n")
                label = server if server == "null" else (
                    f"{server} {d if server == 'basalt' else PG_DURABILITY[d]}")
                series.append((path, label, COLOURS[(server, d)]))
        if series:
            panels.append((wl, series))
    if not panels:
        return "no closed-loop figures to plot"
    script = [f"set terminal pngcairo size {520 * len(panels)},420 font ',9'",
              f"set output '{os.path.join(out_dir, 'throughput.png')}'",
              f"set multiplot layout 1,{len(panels)}", "set logscale x 2", "set grid",
              "set key top left", "set xlabel 'clients'", "set xtics (1, 4, 16, 64)",
              "set ylabel 'ops/s'", "set yrange [0:*]", "set offsets graph 0.04, graph 0.04, 0, 0",
              "set format y '%.0s%c'"]
    for wl, series in panels:
        script.append(f"set title '{wl}: {DESCRIPTIONS[wl]}' noenhanced")
        script.append("plot " + ", ".join(
            f"'{p}' using 1:2 with linespoints lw 2 lc rgb '{c}' title '{t}' noenhanced"
            for p, t, c in series))
    script.append("unset multiplot")
    # gnuplot warns about panels with one client count; only a failure is worth showing.
    done = subprocess.run(["gnuplot"], input="\n".join(script), text=True, capture_output=True)
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        return "gnuplot failed: no chart"
    return None


def main(out_dir):
    with open(os.path.join(out_dir, "raw.csv")) as f:
        rows = [row for row in csv.reader(f) if row and row[0] != "server"]
    r = Results(rows)
    env = {}
    env_path = os.path.join(out_dir, "environment.txt")
    if os.path.exists(env_path):
        with open(env_path) as f:
            env = dict(line.rstrip("\n").split("=", 1) for line in f if "=" in line)
    failures = []
    fail_path = os.path.join(out_dir, "failures.txt")
    if os.path.exists(fail_path):
        with open(fail_path) as f:
            failures = [line.strip() for line in f if line.strip()]
    chart_note = plot(r, out_dir)
    has_pg = any(k[0] == "postgres" for k in r.values)

    md = ["# Basalt benchmark results", ""]
    md.append(f"Run {env.get('date', '?')} at commit {env.get('commit', '?')} on "
              f"{env.get('cpu', '?')}, Linux {env.get('kernel', '?')}. Each figure is the median "
              f"of {env.get('runs', '?')} runs of {env.get('seconds', '?')} s after a "
              f"{env.get('warmup', '?')} s warm-up; bench.users holds "
              f"{num(float(env.get('rows', 0)))} "
              f"documents. One-client runs pin the server and the client "
              f"({env.get('pin', '?')}; the same CPU unless stated). How to read and rerun: "
              f"docs/bench.md.")
    md.append("")
    md.append("Durability: `default` is Basalt's default write concern (w:1, acknowledged before "
              "the journal sync, which follows within the commit interval), matched with "
              "PostgreSQL `synchronous_commit = off` (nosync); `j:true` waits for the journal, "
              "matched with `synchronous_commit = on` (sync). The null server stores nothing, "
              "so its figures are the same at both.")
    if not has_pg:
        md.append("")
        md.append("PostgreSQL figures are absent (bench/pg/run_pg.sh missing or BENCH_PG=0).")
    if failures:
        md += ["", "## Failures", ""] + [f"- {f}" for f in failures]
    md += ["", "## Targets", "",
           table(["target", "measured", "verdict"], target_rows(r)),
           "", "## Single-document operations, closed loop", "", single_op_table(r),
           "", f"## Point reads among {num(float(env.get('rows', 0)))} documents (issue 4)", "",
           point_read_table(r),
           "", "## Open-loop (fixed-rate) latency", "",
           "Latency is measured from each operation's scheduled start (Poisson arrivals), so "
           "queueing behind a slow reply counts.", "", open_loop_table(r),
           "", "## insertMany (documents per second, duplicates included)", "", batch_table(r),
           "", "## Racing writers (W5)", "", race_table(r),
           "", "## Large reads and the initial load (durability: default)", "",
           "RSS growth is the largest VmRSS sampled during the run minus VmRSS before it; a "
           "server that held the whole result in memory would grow by about the result size.",
           "", large_read_table(r), "", "## Workloads", ""]
    md += [f"- `{k}`: {v}" for k, v in DESCRIPTIONS.items()]
    md += ["", "![throughput against clients](throughput.png)" if chart_note is None
           else f"({chart_note})", ""]
    with open(os.path.join(out_dir, "results.md"), "w") as f:
        f.write("\n".join(md))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: report.py RESULTS_DIR")
    main(sys.argv[1])
