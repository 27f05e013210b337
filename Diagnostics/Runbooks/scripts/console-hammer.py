#!/usr/bin/env python3
"""Hammer a swift-mode debug console with `stacks` from many clients while one client times `ps`.

usage: console-hammer.py FIXTURE_BINARY [--clients 100] [--seconds 10] [--mode rst|fin|wait]
Prints ps latencies (median, p99, max) during the hammer, stacks answered, RSS before/after.
"""
import argparse, os, functools, re, socket, statistics, struct, subprocess, sys, threading, time
print = functools.partial(print, flush=True)

def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1

def read_until(sock, marker, deadline):
    data = b""
    while not data.endswith(marker):
        sock.settimeout(max(0.01, deadline - time.time()))
        chunk = sock.recv(65536)
        if not chunk:
            raise EOFError(data[-200:])
        data += chunk
    return data

def command(sock, line, timeout=120):
    sock.sendall(line.encode() + b"\r\n")
    return read_until(sock, b"\r\nmode> ", time.time() + timeout)

def run_hammer(args, port, stop):
    """args.clients threads send `stacks` in a loop until `stop`; returns the counts."""
    counts = {"sent": 0, "answered": 0, "rejected": 0, "errors": 0}
    lock = threading.Lock()

    def hammer():
        while time.time() < stop:
            s = None
            try:
                s = socket.create_connection(("127.0.0.1", port), timeout=5)
                if args.mode == "fin":
                    banner = read_until(s, b"mode> ", time.time() + 5)
                s.sendall(b"stacks\r\n")
                with lock: counts["sent"] += 1
                if args.mode == "rst":
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                elif args.mode == "wait":
                    out = read_until(s, b"mode> ", time.time() + 5)  # banner
                    if b"too many" in out:
                        with lock: counts["rejected"] += 1
                    else:
                        read_until(s, b"\r\nmode> ", time.time() + 120)
                        with lock: counts["answered"] += 1
                s.close()
            except EOFError as e:
                with lock: counts["rejected"] += 1
            except Exception as e:
                with lock: counts["errors"] += 1
            finally:
                if s is not None: s.close()
    threads = [threading.Thread(target=hammer, daemon=True) for _ in range(args.clients)]
    for th in threads: th.start()
    for th in threads: th.join(timeout=200)
    return counts

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--clients", type=int, default=100)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--mode", default="rst")
    ap.add_argument("--probe-interval", type=float, default=0.1)
    ap.add_argument("--patience", type=float, default=60, help="longest wait for one ps answer")
    ap.add_argument("--hammer-nice", type=int, default=0,
                    help="run the hammer clients in a separate process at this nice level (keeps the load "
                         "generator from competing with the console and the ps probe)")
    ap.add_argument("--hammer-only-port", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.hammer_only_port:
        counts = run_hammer(args, args.hammer_only_port, time.time() + args.seconds)
        print(f"hammer: {counts}")
        return

    child = subprocess.Popen([args.binary, "clean", "--console-port", "0", "--blocking-timeout", "0"],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                             preexec_fn=lambda: os.setpriority(os.PRIO_PROCESS, 0, 0))
    port = None
    for line in child.stdout:
        m = re.search(r"telnet 127\.0\.0\.1 (\d+)\)", line)
        if m:
            port = int(m.group(1)); break
    threading.Thread(target=lambda: [None for _ in child.stdout], daemon=True).start()
    time.sleep(1.0)
    pid = child.pid
    probe = socket.create_connection(("127.0.0.1", port))
    read_until(probe, b"mode> ", time.time() + 10)
    command(probe, "ps")
    rss_start = rss_kb(pid)
    t = time.time(); command(probe, "stacks"); first_stacks = time.time() - t
    rss_after_one = rss_kb(pid)

    quiet = []
    for _ in range(50):
        t = time.time(); command(probe, "ps"); quiet.append((time.time() - t) * 1000); time.sleep(0.02)
    quiet.sort()
    print(f"ps before the hammer: n=50 median {quiet[25]:.1f} ms p90 {quiet[45]:.1f} ms max {quiet[-1]:.1f} ms")
    with open("/proc/loadavg") as f: print("loadavg", f.read().strip())
    stop = time.time() + args.seconds
    if args.hammer_nice:
        hammer_process = subprocess.Popen(
            ["nice", "-n", str(args.hammer_nice), sys.executable, __file__, args.binary, "--hammer-only-port", str(port),
             "--clients", str(args.clients), "--seconds", str(args.seconds), "--mode", args.mode])
        threads = []
    else:
        hammer_process = None
        result = {}
        threads = [threading.Thread(target=lambda: result.update(run_hammer(args, port, stop)), daemon=True)]
        for th in threads: th.start()
    latencies = []
    rss_peak = 0
    while time.time() < stop:
        t = time.time()
        try:
            command(probe, "ps", timeout=args.patience)
            latencies.append((time.time() - t) * 1000)
        except Exception as e:
            print(f"probe: no ps answer within {args.patience:.0f} s ({type(e).__name__}); RSS {rss_kb(pid)/1024:.1f} MiB")
            latencies.append((time.time() - t) * 1000)
            break
        rss_peak = max(rss_peak, rss_kb(pid))
        time.sleep(args.probe_interval)
    for th in threads: th.join(timeout=200)
    if hammer_process: hammer_process.wait(timeout=300)
    counts = result if not hammer_process else "(printed by the hammer process)"
    lat = sorted(latencies)
    def pct(p): return lat[min(len(lat) - 1, int(len(lat) * p))] if lat else float("nan")
    print(f"mode={args.mode} clients={args.clients} seconds={args.seconds}")
    print(f"hammer: {counts}")
    print(f"first stacks (warm-up) {first_stacks*1000:.0f} ms")
    print(f"ps during hammer: n={len(lat)} median {pct(0.5):.1f} ms p90 {pct(0.9):.1f} ms p99 {pct(0.99):.1f} ms max {lat[-1] if lat else float('nan'):.1f} ms")
    print(f"RSS: start {rss_start/1024:.1f} MiB, after one stacks {rss_after_one/1024:.1f} MiB, peak during {rss_peak/1024:.1f} MiB, at hammer end {rss_kb(pid)/1024:.1f} MiB")
    # after the hammer: how long until the console is idle again (ps answered), and RSS
    t = time.time()
    while True:  # sessions of clients that half-closed may still wait for a dump: retry until admitted
        probe = socket.create_connection(("127.0.0.1", port), timeout=10)
        try:
            banner = read_until(probe, b"mode> ", time.time() + 600)
            command(probe, "ps", timeout=600)
            break
        except EOFError:
            probe.close()
            if time.time() - t > 600: print("after hammer: not admitted within 600 s"); break
            time.sleep(0.05)
    after_ps = (time.time() - t) * 1000
    rss_end = rss_kb(pid)
    time.sleep(5)
    rss_end5 = rss_kb(pid)
    t = time.time(); stats = command(probe, "stats").decode(errors="replace")
    fresh = socket.create_connection(("127.0.0.1", port), timeout=10)
    t = time.time(); read_until(fresh, b"mode> ", time.time() + 600); fresh_banner = (time.time() - t) * 1000
    t = time.time(); command(fresh, "ps"); fresh_ps = (time.time() - t) * 1000
    print(f"new session after the hammer: admitted and ps answered after {after_ps:.1f} ms; then banner {fresh_banner:.1f} ms, ps {fresh_ps:.1f} ms")
    print(f"RSS: when idle again {rss_end/1024:.1f} MiB, 5 s later {rss_end5/1024:.1f} MiB")
    child.terminate(); child.wait(timeout=30)

main()
