#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Network=private under a supervisor, beside podman's bridge network:
many services started at once until each answers on its address and
port, and bulk TCP throughput through a published port.

Called by bench/network.sh (which builds, prepares the busybox image with
a static bench/xfer.c in it, the policy and podman's private storage);
runs its own sandboxd on a private runtime directory with the cgroupfs
driver and the private socket, as bench/daemon.py does, and leaves no
service, container or sandboxd behind.

  bench/network.py --build BUILD --image DIR --policies DIR --xfer PATH
                   --prefix NAME --publish PORT --host-address ADDR
                   [--services N] [--rounds N]
                   [--xfer-bytes N] [--xfer-runs N]
                   [--podman "PODMAN GLOBAL OPTIONS" --podman-image REF
                    --podman-run "RUN OPTIONS" --podman-services N]

Many at once: N clients `sandboxctl start` (or `podman run -d`) are
spawned together; as soon as a client has returned, the host tries to
connect to that service's address:8080 (busybox httpd) every 5 ms until it
accepts. The time is from spawning the first client to the last accept.
Connections are only tried once the service is up, so no SYN waits on an
address whose link does not exist yet (the host's neighbour resolution
would back off for a second). sandboxd's services get their addresses
from its leases, learned in an untimed first round (a lease is kept: the
same address at every start); podman's are given with --ip.

Throughput: bench/xfer.c, the server inside a service, the client on the
host, each path measured --xfer-runs times, the paths interleaved; median.
Host ports: PORT published by sandboxd, PORT+1 by podman, PORT+2 the
server on the host's loopback.
Output: tab-separated lines, parsed by bench/network.sh.
"""

import argparse
import errno
import os
import selectors
import socket
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daemon import Bench  # noqa: E402  (sandboxd on a private socket)

PORT = 8080


def log(*a):
    print(*a, file=sys.stderr, flush=True)


class Prober:
    """Connects to each address once its start has returned, until it
    accepts. Non-blocking, one attempt in flight per address."""

    RETRY = 0.005

    def __init__(self):
        self.sel = selectors.DefaultSelector()
        self.due = {}        # address -> time of the next attempt
        self.answered = {}   # address -> time of the accept

    def add(self, addr):
        self.due[addr] = 0.0

    def _try(self, addr, now):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        r = s.connect_ex((addr, PORT))
        if r not in (0, errno.EINPROGRESS):
            s.close()
            self.due[addr] = now + self.RETRY
            return
        self.due[addr] = None
        self.sel.register(s, selectors.EVENT_WRITE, (addr, now))

    def step(self, timeout):
        now = time.perf_counter()
        for addr, t in list(self.due.items()):
            if t is not None and t <= now:
                self._try(addr, now)
        for key, _ in self.sel.select(timeout):
            s = key.fileobj
            addr, _ = key.data
            self.sel.unregister(s)
            err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            s.close()
            now = time.perf_counter()
            if err == 0:
                self.answered[addr] = now
                del self.due[addr]
            else:
                self.due[addr] = now + self.RETRY
        # An attempt that neither connects nor fails within a second
        # (a SYN lost while the link came up) is made again.
        now = time.perf_counter()
        for key in list(self.sel.get_map().values()):
            addr, t0 = key.data
            if now - t0 > 1.0:
                self.sel.unregister(key.fileobj)
                key.fileobj.close()
                self.due[addr] = now

    def pending(self):
        return len(self.due)


def many_at_once(cmds, addrs, env=None, timeout=600):
    """Spawns every command of cmds at once; addrs[i] is the address that
    answers once cmds[i] has returned. Returns (all answered, all started,
    first answered) in ms from the first spawn, and the failures."""
    prober = Prober()
    t0 = time.perf_counter()
    procs = [subprocess.Popen(c, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
             for c in cmds]
    running = dict(enumerate(procs))
    started_last = None
    failed = []
    while running or prober.pending():
        for i, p in list(running.items()):
            if p.poll() is None:
                continue
            del running[i]
            if p.returncode != 0:
                failed.append((i, p.stderr.read().strip()))
                continue
            prober.add(addrs[i])
            started_last = time.perf_counter()
        prober.step(0.002)
        if time.perf_counter() - t0 > timeout:
            raise SystemExit(f"bench: not every service answered within {timeout} s")
        if failed and not running:
            break
    for p in procs:
        p.stderr.close()
    if failed:
        for i, err in failed[:5]:
            log(f"bench: {' '.join(cmds[i][:4])} ... failed: {err}")
        raise SystemExit(f"bench: {len(failed)} of {len(cmds)} starts failed")
    t_ans = sorted(prober.answered.values())
    return ((t_ans[-1] - t0) * 1000, (started_last - t0) * 1000, (t_ans[0] - t0) * 1000)


class NetBench(Bench):
    def unit_text(self, name, text):
        with open(os.path.join(self.env["SANDBOXD_UNIT_PATH"], name + ".unit"), "w") as f:
            f.write(text)

    def addresses(self, prefix):
        out = {}
        for u in self.units_json():
            if u["Name"].startswith(prefix) and u.get("State") == "running":
                v4 = [a.split("/")[0] for a in u.get("Addresses") or [] if "." in a]
                if v4:
                    out[u["Name"]] = v4[0]
        return out

    def stop(self, names):
        for i in range(0, len(names), 50):
            self.sandboxctl("stop", *names[i:i + 50], check=False)


def sandboxd_many(b, a):
    names = [f"{a.prefix}svc-{i}" for i in range(a.services)]
    for n in names:
        b.unit_text(n, f"[Sandbox]\nImage={a.image}\nReadOnly=yes\nNetwork=private\n"
                       f"[Service]\nExecStart=/bin/httpd -f -p {PORT} -h /var/www\n")
    # Untimed: the leases, the bridge and table, the page cache.
    for i in range(0, len(names), 50):
        b.sandboxctl("start", *names[i:i + 50])
    addrs = b.addresses(a.prefix + "svc-")
    if len(addrs) != len(names):
        raise SystemExit(f"bench: {len(addrs)} of {len(names)} services have an address")
    b.stop(names)
    res = []
    for r in range(a.rounds):
        res.append(many_at_once([[b.ctl, "start", n] for n in names], [addrs[n] for n in names], b.env))
        now = b.addresses(a.prefix + "svc-")
        if now != addrs:
            raise SystemExit("bench: the services' addresses changed between rounds")
        b.stop(names)
        log(f"bench: sandboxd round {r + 1}: all {len(names)} answered after {res[-1][0]:.0f} ms")
    return res


def podman_many(a):
    pm = a.podman.split()
    names = [f"{a.prefix}pm-{i}" for i in range(a.podman_services)]
    addrs = [f"10.88.{1 + i // 250}.{2 + i % 250}" for i in range(len(names))]
    cmds = [pm + ["run", "-d", "--name", n, "--network", "bridge", "--ip", addr] + a.podman_run.split()
            + [a.podman_image, "/bin/httpd", "-f", "-p", str(PORT), "-h", "/var/www"]
            for n, addr in zip(names, addrs)]
    res = []
    for r in range(a.rounds):
        try:
            res.append(many_at_once(cmds, addrs))
        finally:
            for i in range(0, len(names), 50):
                subprocess.run(pm + ["rm", "-f", "-t", "0", *names[i:i + 50]],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        log(f"bench: podman round {r + 1}: all {len(names)} answered after {res[-1][0]:.0f} ms")
    return res


def xfer(a, host, port):
    out = subprocess.run([a.xfer, "client", host, str(port), str(a.xfer_bytes)], check=True,
                         stdout=subprocess.PIPE, text=True).stdout.split()
    return float(out[2])


def wait_port(host, port, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection((host, port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.02)
    raise SystemExit(f"bench: nothing answers on {host}:{port}")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--build", required=True)
    p.add_argument("--image", required=True)
    p.add_argument("--policies", required=True)
    p.add_argument("--xfer", required=True)
    p.add_argument("--prefix", required=True)
    p.add_argument("--publish", type=int, required=True)
    p.add_argument("--host-address", required=True)
    p.add_argument("--services", type=int, default=100)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--xfer-bytes", type=int, default=1 << 30)
    p.add_argument("--xfer-runs", type=int, default=5)
    p.add_argument("--podman")
    p.add_argument("--podman-image")
    p.add_argument("--podman-run", default="")
    p.add_argument("--podman-services", type=int, default=100)
    a = p.parse_args()

    hostaddr = a.host_address
    paths = {}   # label -> (address, port)
    b = NetBench(a)
    pm = a.podman.split() if a.podman else None
    xname = a.prefix + "xfer"
    pm_xname = a.prefix + "pm-xfer"
    loop = None
    try:
        b.start_daemon()

        # --- throughput -----------------------------------------------------
        loop = subprocess.Popen([a.xfer, "server", str(a.publish + 2)])
        wait_port("127.0.0.1", a.publish + 2)
        paths["host loopback, no sandbox"] = ("127.0.0.1", a.publish + 2)
        b.unit_text(xname, f"[Sandbox]\nImage={a.image}\nReadOnly=yes\nNetwork=private\n"
                           f"PublishPort={a.publish}:5201\n[Security]\nPolicy=bench-network\n"
                           f"[Service]\nExecStart=/usr/bin/xfer server 5201\n")
        b.sandboxctl("start", xname)
        addr = b.addresses(xname)[xname]
        wait_port(addr, 5201)
        paths["sandboxd: published port on 127.0.0.1"] = ("127.0.0.1", a.publish)
        paths[f"sandboxd: published port on the host's {hostaddr}"] = (hostaddr, a.publish)
        paths["sandboxd: the service's address (bridge, no NAT)"] = (addr, 5201)
        if pm:
            pm_addr = "10.88.250.2"
            subprocess.run(pm + ["run", "-d", "--name", pm_xname, "--network", "bridge", "--ip", pm_addr,
                                 "-p", f"{a.publish + 1}:5201"] + a.podman_run.split()
                           + [a.podman_image, "/usr/bin/xfer", "server", "5201"],
                           check=True, stdout=subprocess.DEVNULL)
            wait_port(pm_addr, 5201)
            paths["podman: published port on 127.0.0.1"] = ("127.0.0.1", a.publish + 1)
            paths[f"podman: published port on the host's {hostaddr}"] = (hostaddr, a.publish + 1)
            paths["podman: the container's address (bridge, no NAT)"] = (pm_addr, 5201)
        log(f"bench: throughput, {a.xfer_runs} x {len(paths)} transfers of {a.xfer_bytes >> 20} MiB")
        rates = {k: [] for k in paths}
        for _ in range(a.xfer_runs):
            for k, (h, port) in paths.items():
                rates[k].append(xfer(a, h, port))
        b.stop([xname])
        if pm:
            subprocess.run(pm + ["rm", "-f", "-t", "0", pm_xname], stdout=subprocess.DEVNULL)

        # --- many at once ---------------------------------------------------
        log(f"bench: {a.services} Network=private services at once through sandboxd, {a.rounds} rounds")
        sd = sandboxd_many(b, a)
        pmres = None
        if pm:
            log(f"bench: {a.podman_services} podman containers at once, {a.rounds} rounds")
            pmres = podman_many(a)
    finally:
        if loop:
            loop.kill()
            loop.wait()
        if pm:
            subprocess.run(pm + ["rm", "-f", "-t", "0", pm_xname], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
        b.cleanup()

    loop_med = statistics.median(rates["host loopback, no sandbox"])
    for k, v in rates.items():
        print(f"xfer\t{k}\t{statistics.median(v):.0f}\t{min(v):.0f}\t{max(v):.0f}\t"
              f"{statistics.median(v) / loop_med:.2f}")

    def many(label, n, res):
        med = [statistics.median(x[j] for x in res) for j in range(3)]
        print(f"many\t{label}\t{n}\t{med[0]:.0f}\t{med[1]:.0f}\t{med[2]:.0f}\t"
              f"{med[0] / n:.1f}\t{' '.join(f'{x[0]:.0f}' for x in res)}")

    many("sandboxd, Network=private", a.services, sd)
    if pmres:
        many("podman run -d --network bridge", a.podman_services, pmres)


if __name__ == "__main__":
    main()
