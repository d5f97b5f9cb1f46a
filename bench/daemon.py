#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""sandboxd under load: start latency, 100 starts at once, memory per
supervised service at 1/100/500 services, sandboxd's CPU while 500 services
idle, and restart latency (kill -9 of the service to its replacement
running, RestartSec=0).

Called by bench/run.sh (which builds, prepares the busybox image and the
static stamp binary); runs its own sandboxd on a private runtime directory
with the cgroupfs driver and the private socket, and leaves nothing behind.

  bench/daemon.py --build BUILD --image DIR --stamp-layer DIR --policies DIR
                  [--runs N] [--max N] [--idle-seconds S]

--stamp-layer is a directory holding a static build of bench/stamp.c as
"stamp", laid over the image as a second layer. --runs is the number of
single starts and of restarts timed (medians); --max the most services run
at once (memory at 1, 100 and --max, CPU idle at --max).

Memory per service is given two ways. Pss: the growth of sandboxd's Pss
plus the inits' Pss, divided by the number of services; it counts every
page once, however it is shared (a forked init shares sandboxd's pages
until either writes them). Private: sandboxd's growth plus the inits' own
pages (smaps Private_*), except for sandbox-init's image: one sealed memfd
per sandboxd, mapped by every init, so its pages are shared (smaps would
call them private while a single init maps them); only the pages an init
wrote itself count (init_kib). The image's size is printed once. The inits'
page tables (VmPTE) are kernel memory that neither counts; shown apart.

Restart: the stamp service prints CLOCK_MONOTONIC first thing; the latency
is that minus the time of the kill(2).
"""

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def private_kib(pid):
    """Private_Clean + Private_Dirty of pid, in KiB (smaps_rollup)."""
    total = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith(("Private_Clean:", "Private_Dirty:")):
                    total += int(line.split()[1])
    except FileNotFoundError:
        return 0
    return total


def pss_kib(pid):
    """Pss of pid, in KiB: its private pages plus its share of each shared
    one. Summed over processes it counts every page once, whoever shares
    it with whom (copy-on-write pages of a fork included)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            return next((int(l.split()[1]) for l in f if l.startswith("Pss:")), 0)
    except FileNotFoundError:
        return 0


SHARED_IMAGE = "/memfd:sandbox-init"


def init_kib(pid):
    """An init's private memory, in KiB: Private_Clean + Private_Dirty,
    except that of sandbox-init's image (one sealed memfd per sandboxd,
    mapped by every init, whose pages exist once and count as "private" in
    smaps only while a single init maps them) only the copies written by
    this init (Anonymous: .data, .bss, relocations) count; the image's
    file pages (Rss - Anonymous); and the page tables (VmPTE), private
    kernel memory that smaps does not show."""
    private = image = 0
    in_image = False
    try:
        with open(f"/proc/{pid}/smaps") as f:
            for line in f:
                head = line.split(None, 1)[0]
                if "-" in head and not head.endswith(":"):
                    in_image = SHARED_IMAGE in line
                elif head in ("Private_Clean:", "Private_Dirty:") and not in_image:
                    private += int(line.split()[1])
                elif head == "Anonymous:" and in_image:
                    private += int(line.split()[1])
                    image -= int(line.split()[1])
                elif head == "Rss:" and in_image:
                    image += int(line.split()[1])
        with open(f"/proc/{pid}/status") as f:
            pte = next((int(l.split()[1]) for l in f if l.startswith("VmPTE:")), 0)
    except (FileNotFoundError, ProcessLookupError):
        return 0, 0, 0
    return private, image, pte


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime (fields 14, 15)


def children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(x) for x in f.read().split()]
    except FileNotFoundError:
        return []


class Bench:
    def __init__(self, a):
        self.a = a
        self.work = tempfile.mkdtemp(prefix="sandboxd-bench-daemon.")
        self.env = dict(os.environ)
        for k, sub in (("SANDBOXD_RUNTIME_DIR", "run"), ("SANDBOXD_CONFIG_DIR", "etc"),
                       ("SANDBOXD_LOG_DIR", "log"), ("SANDBOXD_UNIT_PATH", "units")):
            self.env[k] = os.path.join(self.work, sub)
            os.makedirs(self.env[k], exist_ok=True)
        self.env["SANDBOXD_POLICY_PATH"] = a.policies
        self.ctl = os.path.join(a.build, "src/ctl/sandboxctl")
        self.daemon = None

    def unit(self, name, execstart, extra=""):
        with open(os.path.join(self.env["SANDBOXD_UNIT_PATH"], name + ".unit"), "w") as f:
            f.write(f"[Sandbox]\nImage={self.a.image}\n{self.layers}\n[Service]\nExecStart={execstart}\n{extra}")

    def sandboxctl(self, *args, check=True):
        return subprocess.run([self.ctl, *args], env=self.env, check=check,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def start_daemon(self):
        self.daemon_log = open(os.path.join(self.work, "sandboxd.log"), "w")
        self.daemon = subprocess.Popen([os.path.join(self.a.build, "src/daemon/sandboxd"),
                                        "--log-target=stderr", "--cgroup-driver=cgroupfs", "--no-system-bus"],
                                       env=self.env, stdout=self.daemon_log, stderr=self.daemon_log)
        sock = os.path.join(self.env["SANDBOXD_RUNTIME_DIR"], "private")
        for _ in range(500):
            if os.path.exists(sock) and self.sandboxctl("list", check=False).returncode == 0:
                return
            time.sleep(0.01)
        raise SystemExit("bench: sandboxd did not come up; see " + self.daemon_log.name)

    def units_json(self):
        return json.loads(self.sandboxctl("list", "--json").stdout)

    def stop_all(self):
        names = [u["Name"] for u in self.units_json() if u.get("State") not in ("inactive",)]
        for i in range(0, len(names), 50):
            self.sandboxctl("stop", *names[i:i + 50], check=False)

    def cleanup(self):
        if self.daemon and self.daemon.poll() is None:
            try:
                self.stop_all()
            finally:
                self.daemon.terminate()
                self.daemon.wait()
        shutil.rmtree(self.work, ignore_errors=True)

    # --- measurements ---------------------------------------------------------

    def start_latency(self, runs):
        self.unit("lat", "/bin/sleep 100000")
        ts = []
        for _ in range(runs):
            t = time.perf_counter()
            self.sandboxctl("start", "lat")
            ts.append(time.perf_counter() - t)
            self.sandboxctl("stop", "lat")
        return statistics.median(ts) * 1000

    def concurrent_starts(self, n):
        for i in range(n):
            self.unit(f"c{i}", "/bin/sleep 100000")
        t = time.perf_counter()
        procs = [subprocess.Popen([self.ctl, "start", f"c{i}"], env=self.env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for i in range(n)]
        bad = sum(1 for p in procs if p.wait() != 0)
        dt = time.perf_counter() - t
        if bad:
            log(f"bench: {bad} of {n} concurrent starts failed")
        self.sandboxctl("stop", *[f"c{i}" for i in range(n)], check=False)
        return dt * 1000

    def footprint(self, counts):
        """Private memory per supervised service: sandboxd's growth (the
        units' plans and runtime state) plus every per-service process but
        the service itself (init). sandboxd's growth at a small count is
        mostly its allocator's own (a first heap extension is ~1 MiB), so
        the step from one count to the next ("marginal") is printed too.

        "Private" moves with sharing: pages of sandboxd that a forked init
        still shares count as shared for both. So the total is also taken
        as Pss: the growth of sandboxd's Pss plus the inits' Pss, per
        service, counts each page once."""
        base = private_kib(self.daemon.pid)
        base_pss = pss_kib(self.daemon.pid)
        out = {}
        started = 0
        prev_n, prev_mem = 0, base
        for n in counts:
            for i in range(started, n):
                self.unit(f"m{i}", "/bin/sleep 100000")
            for i in range(started, n, 50):
                self.sandboxctl("start", *[f"m{j}" for j in range(i, min(n, i + 50))])
            started = n
            time.sleep(1)
            inits = [u["MainPID"] for u in self.units_json()
                     if u["Name"].startswith("m") and u.get("State") == "running"]
            mem = private_kib(self.daemon.pid)
            growth = mem - base
            per = [init_kib(p) for p in inits]
            live = max(1, len(inits))
            pss = pss_kib(self.daemon.pid) - base_pss + sum(pss_kib(p) for p in inits)
            out[n] = {
                "pss": pss / live,
                "per_service": (growth + sum(x[0] for x in per)) / live,
                "growth": growth / live,
                "marginal": (mem - prev_mem) / max(1, n - prev_n),
                "init": statistics.median(x[0] for x in per) if per else 0,
                "image": max((x[1] for x in per), default=0),
                "pte": statistics.median(x[2] for x in per) if per else 0,
                "live": len(inits),
                "sandboxd": mem,
            }
            prev_n, prev_mem = n, mem
        return out

    def idle_cpu(self, seconds):
        """sandboxd's CPU share (utime + stime, in clock ticks) and its
        wakeups (context switches) per second while nothing happens."""
        hz = os.sysconf("SC_CLK_TCK")

        def switches():
            with open(f"/proc/{self.daemon.pid}/status") as f:
                return sum(int(l.split()[1]) for l in f if "ctxt_switches:" in l)

        c0, w0, t0 = cpu_ticks(self.daemon.pid), switches(), time.monotonic()
        time.sleep(seconds)
        c1, w1, t1 = cpu_ticks(self.daemon.pid), switches(), time.monotonic()
        return 100.0 * (c1 - c0) / hz / (t1 - t0), c1 - c0, 100.0 / hz / (t1 - t0), (w1 - w0) / (t1 - t0)

    def restart_latency(self, runs):
        self.unit("rs", "/stamp", "Restart=always\nRestartSec=0\nStartLimitIntervalSec=0\n")
        logf = os.path.join(self.env["SANDBOXD_LOG_DIR"], "rs.log")
        self.sandboxctl("start", "rs")
        lat = []

        def stamps():
            try:
                with open(logf) as f:
                    return [int(x) for x in f.read().split() if x.isdigit()]
            except FileNotFoundError:
                return []

        for _ in range(runs):
            deadline = time.monotonic() + 5
            while not stamps() or not self._service_pid("rs"):
                if time.monotonic() > deadline:
                    raise SystemExit("bench: the stamp service did not start; see " + logf)
                time.sleep(0.005)
            n = len(stamps())
            pid = self._service_pid("rs")
            t0 = time.clock_gettime_ns(time.CLOCK_MONOTONIC)
            os.kill(pid, signal.SIGKILL)
            deadline = time.monotonic() + 5
            # The stamp carries its own time: polling often would only
            # take CPU from the restart on a 2-CPU machine.
            while len(stamps()) <= n:
                if time.monotonic() > deadline:
                    raise SystemExit("bench: no restart within 5 s")
                time.sleep(0.01)
            lat.append((stamps()[-1] - t0) / 1e6)
            time.sleep(0.05)
        self.sandboxctl("stop", "rs")
        return statistics.median(lat), max(lat)

    def _service_pid(self, name):
        u = [u for u in self.units_json() if u["Name"] == name]
        if not u or not u[0].get("MainPID"):
            return 0
        kids = children(u[0]["MainPID"])   # the service is init's child
        return kids[0] if kids else 0


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--build", required=True)
    p.add_argument("--image", required=True)
    p.add_argument("--stamp-layer", required=True)
    p.add_argument("--policies", required=True)
    p.add_argument("--runs", type=int, default=30)
    p.add_argument("--max", type=int, default=500)
    p.add_argument("--idle-seconds", type=int, default=30)
    a = p.parse_args()

    b = Bench(a)
    b.layers = f"Image={a.stamp_layer}"
    try:
        b.start_daemon()
        lat = b.start_latency(a.runs)
        conc = b.concurrent_starts(100)
        counts = sorted({c for c in (1, 100, a.max) if c <= a.max})
        fp = b.footprint(counts)
        cpu, ticks, tick_pct, wakeups = b.idle_cpu(a.idle_seconds)
        rmed, rmax = b.restart_latency(a.runs)
    finally:
        b.cleanup()

    print("sandboxd (cgroupfs driver, private socket)\tmedian")
    print(f"sandboxctl start -> running\t{lat:.1f} ms")
    print(f"100 services started at once, until all run\t{conc:.0f} ms ({conc / 100:.1f} ms each)")
    for n, f in fp.items():
        print(f"memory per service at {n}, Pss of sandboxd's growth and the inits\t{f['pss']:.0f} KiB")
    prev = 0
    for n, f in fp.items():
        print(f"private memory per service at {n} ({f['live']} running)\t{f['per_service']:.0f} KiB "
              f"(sandboxd {f['growth']:+.0f} KiB, {prev}->{n}: {f['marginal']:+.0f} KiB each; init {f['init']:.0f} KiB; "
              f"init's page tables {f['pte']:.0f} KiB)")
        prev = n
    print(f"sandboxd's private memory with {counts[-1]} services\t{fp[counts[-1]]['sandboxd'] / 1024:.1f} MiB")
    image = max(f["image"] for f in fp.values())
    if image:
        print(f"sandbox-init image, one per sandboxd, shared by every init\t{image:.0f} KiB")
    print(f"sandboxd CPU while {counts[-1]} services idle ({a.idle_seconds} s)\t{cpu:.2f} % "
          f"({ticks} ticks of {tick_pct:.3f} %; {wakeups:.1f} wakeups/s)")
    print(f"restart: kill -9 -> replacement running (RestartSec=0)\t{rmed:.2f} ms (max {rmax:.2f} ms)")


if __name__ == "__main__":
    main()
