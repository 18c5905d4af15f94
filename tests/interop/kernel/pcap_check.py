"""
pcap_check.py - capture a test's own RPC traffic with tshark and check
that Wireshark's RPC, NFS and MOUNT dissectors find nothing wrong in it.
Used by ktest.py (a kernel-client workload) and tests/interop/
test_tshark.sh (the libnfs conformance run); run as a program:

    python3 pcap_check.py capture FILE PORT... -- CMD ARGS...
    python3 pcap_check.py check FILE

What counts as a problem (see ../README.md): a malformed packet, any
expert info of severity error, and any of severity warning raised by
the RPC, NFS or MOUNT dissectors; and a call without its reply or a
reply without its call (tshark -2 links them with rpc.reqframe /
rpc.repframe).  Wireshark 4.0 raises no expert info for NFS or MOUNT
replies with an error status, so nothing is excused for them.  TCP's
own warnings (window full, zero window, D-SACK, RST: flow control and
how a client closes) are listed in the summary but not counted.
"""

import os
import re
import signal
import subprocess
import sys
import time

START_TIMEOUT_S = 15
BUFFER_MB = 64
# The dissectors whose findings count.
DISSECTORS = ("RPC", "NFS", "MOUNT")


class Capture:
    """Capture on lo with the filter 'port P1 or port P2' into FILE while
    a test runs: with dumpcap, tshark's capture engine, run directly with
    a large buffer so that a busy machine does not drop packets."""

    def __init__(self, path, ports):
        self.path = path
        self.ports = ports
        self.proc = None
        self.packets = 0
        self.unanswered_ok = 0      # calls a killed server never answered
        self.errlog = path + ".stderr"

    def filter(self):
        return " or ".join("port %d" % p for p in self.ports)

    def start(self):
        err = open(self.errlog, "w")
        self.proc = subprocess.Popen(
            ["dumpcap", "-q", "-i", "lo", "-B", str(BUFFER_MB), "-f",
             self.filter(), "-w", self.path], stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=err)
        err.close()
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            with open(self.errlog) as f:
                if "Capturing on" in f.read():
                    return
            if self.proc.poll() is not None:
                break
            time.sleep(0.1)
        raise RuntimeError("dumpcap did not start capturing: %s" %
                           open(self.errlog).read().strip())

    def stop(self):
        if self.proc is None:
            return
        time.sleep(0.5)                     # the last packets
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None

    def dropped(self):
        """Packets the capture lost, from dumpcap's closing statistics."""
        with open(self.errlog) as f:
            m = re.search(r"received/dropped on interface '[^']*': "
                          r"\d+/(\d+)", f.read())
        return int(m.group(1)) if m else 0

    def analyse(self):
        """(list of problems, one-line summary)."""
        problems, summary = analyse(self, self.path)
        lost = self.dropped()
        if lost:
            problems.append("the capture dropped %d packets: the check "
                            "is incomplete" % lost)
        return problems, summary


def tshark(path, *args):
    """tshark -2 -n -r PATH ARGS (two passes: calls know their replies)."""
    out = subprocess.run(["tshark", "-2", "-n", "-r", path] + list(args),
                         capture_output=True, text=True, timeout=600)
    if out.returncode != 0:
        raise RuntimeError("tshark -r %s: %s" % (" ".join(args),
                                                 out.stderr.strip()))
    return out.stdout


def count(path, dfilter):
    return len(tshark(path, "-Y", dfilter, "-T", "fields",
                      "-e", "frame.number").splitlines())


def rpc_messages(path):
    """(calls, replies): RPC messages, several per frame counted each."""
    types = tshark(path, "-Y", "rpc", "-T", "fields", "-E", "occurrence=a",
                   "-E", "aggregator=,", "-e", "rpc.msgtyp").split()
    flat = ",".join(types).split(",")
    return flat.count("0"), flat.count("1")


def expert_rows(path):
    """[(severity, count, group, protocol, summary)] from -z expert."""
    text = tshark(path, "-q", "-z", "expert,warn")
    rows, severity, col = [], None, None
    for line in text.splitlines():
        m = re.match(r"^(Errors|Warns|Notes|Chats|Comments) \(\d+\)", line)
        if m:
            severity = m.group(1)
            continue
        if "Summary" in line and "Frequency" in line:
            col = line.index("Summary")
            continue
        if severity and col and line.strip() and not line.startswith("="):
            head = line[:col].split()
            if len(head) >= 3 and head[0].isdigit():
                rows.append((severity, int(head[0]), " ".join(head[1:-1]),
                             head[-1], line[col:].strip()))
    return rows


def analyse(cap, path):
    problems = []
    cap.packets = count(path, "frame")
    calls, replies = rpc_messages(path)
    nfs = count(path, "nfs")
    mount = count(path, "mount")
    for ln in tshark(path, "-Y", "_ws.malformed").splitlines()[:10]:
        problems.append("malformed packet: " + ln.strip())
    ignored = []
    for sev, n, group, proto, summary in expert_rows(path):
        what = "%s %s/%s: %s (x%d)" % (sev, proto, group, summary, n)
        if sev == "Errors":
            problems.append("expert " + what)
        elif proto not in DISSECTORS:
            ignored.append(what)
        else:
            problems.append("expert " + what)
    unanswered = count(path, "rpc.msgtyp == 0 && !(rpc.repframe || rpc.reqframe)")
    if unanswered > cap.unanswered_ok:
        problems.append("%d RPC calls without a reply" % unanswered)
    orphans = count(path, "rpc.msgtyp == 1 && !(rpc.repframe || rpc.reqframe)")
    if orphans:
        problems.append("%d RPC replies to no call in the capture" % orphans)
    summary = ("%d packets, %d RPC calls, %d replies, %d NFS and %d MOUNT "
               "frames, %d unanswered calls; %d problems; not counted (TCP): "
               "%s" % (cap.packets, calls, replies, nfs, mount, unanswered,
                       len(problems), "; ".join(ignored) or "none"))
    if calls == 0 or nfs == 0:
        problems.append("no RPC/NFS traffic decoded")
    return problems[:40], summary


def _main(argv):
    if len(argv) >= 2 and argv[0] == "check":
        cap = Capture(argv[1], [])
        problems, summary = analyse(cap, argv[1])
        print(summary)
        for p in problems:
            print("PROBLEM " + p)
        return 1 if problems else 0
    if len(argv) >= 4 and argv[0] == "capture" and "--" in argv:
        sep = argv.index("--")
        cap = Capture(argv[1], [int(p) for p in argv[2:sep]])
        cap.start()
        try:
            rc = subprocess.call(argv[sep + 1:])
        finally:
            cap.stop()
        return rc
    print(__doc__.strip().split("\n\n")[1], file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
