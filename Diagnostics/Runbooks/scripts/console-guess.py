#!/usr/bin/env python3
"""Guess the console token for 3 s (reconnect after every 3 failures); count checked/refused attempts and
WARNING lines. usage: console-guess.py FIXTURE"""
import functools, os, re, socket, subprocess, sys, threading, time
print = functools.partial(print, flush=True)
env = dict(os.environ, MODE_CONSOLE_TOKEN="hunter2")
child = subprocess.Popen([sys.argv[1], "clean", "--console-port", "0", "--blocking-timeout", "0"], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
lines = []
port = None
for line in child.stdout:
    m = re.search(r"telnet 127\.0\.0\.1 (\d+)\)", line)
    if m: port = int(m.group(1)); break
threading.Thread(target=lambda: [lines.append(l) for l in child.stdout], daemon=True).start()
time.sleep(1)
def read_all(s):
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk: return data
        data += chunk
connections = refused = 0
stop = time.time() + 3
while time.time() < stop:
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"auth a\r\nauth b\r\nauth c\r\n")
    data = read_all(s).decode(errors="replace")
    s.close()
    refused += data.count("too many failed authentication attempts")
    connections += 1
checked = 3 * connections - refused
time.sleep(1)
warnings = [l for l in lines if "WARNING" in l]
print(f"3 s of guessing: {checked} tokens checked ({checked/3:.0f}/s), {refused} refused unchecked; {len(warnings)} WARNING lines")
for l in warnings[:3]: print("  ", l.strip()[:220])
# the same address afterwards: the token holder
s = socket.create_connection(("127.0.0.1", port)); s.sendall(b"auth hunter2\r\nexit\r\n")
print("token holder right after:", read_all(s).decode(errors="replace").split("mode> ")[1].strip())
child.terminate(); child.wait()
