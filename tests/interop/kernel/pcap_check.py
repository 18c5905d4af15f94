"""
pcap_check.py - capture a test's own RPC traffic with tshark and check
that Wireshark's RPC, NFS and MOUNT dissectors find nothing wrong in it.
Used by ktest.py (a kernel-client workload) and tests/interop/
test_tshark.sh (the libnfs conformance run); run as a program:

    python3 pcap_check.py capture FILE PORT... -- CMD ARGS...
        (exit status CMD's, or 3 if CMD passed but the capture
        dropped packets: then a check of FILE would be inconclusive)
    python3 pcap_check.py check FILE

What counts as a problem (see ../README.md): a malformed packet, any
expert info of severity error, and any of severity warning raised by
the RPC, NFS or MOUNT dissectors; and a call without its reply or a
reply without its call (tshark -2 links them with rpc.reqframe /
rpc.repframe).  Wireshark 4.0 raises no expert info for NFS or MOUNT
replies with an error status, so nothing is excused for them.  TCP's
own warnings (window full, zero window, D-SACK, RST: flow control and
how a client closes) are listed in the summary but not counted, except
a segment missing from the capture: the RPC messages in it would go
unchecked, and unseen (a call lost with its segment leaves no unpaired
reply behind: tshark knows a reply only by its call).

Loopback is not always in order.  dumpcap takes packets from every
CPU and now and then writes a segment after the one that followed it;
and a TCP sender on two CPUs at once (the writing thread and the ACK
softirq) can hand lo two segments that arrive swapped.  So the capture
is put in time order (reordercap), tshark reassembles out-of-order
segments, and a gap counts only if no later segment of its stream
fills it (one flagged out-of-order or retransmitted).
"""

import os
import re
import signal
import subprocess
import sys
import time

START_TIMEOUT_S = 15
BUFFER_MB = 64
# capture's exit status when the command passed but packets were lost.
EXIT_DROPPED = 3
# dumpcap says "Capturing on" a moment before it really captures.
SETTLE_S = 1.0
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
                    time.sleep(SETTLE_S)     # the filter is attached
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


def in_time_order(path):
    """A copy of the capture PATH with its frames sorted by time."""
    sorted_path = path + ".sorted"
    out = subprocess.run(["reordercap", path, sorted_path],
                         capture_output=True, text=True, timeout=600)
    if out.returncode != 0:
        raise RuntimeError("reordercap %s: %s" % (path, out.stderr.strip()))
    return sorted_path


def tshark(path, *args):
    """tshark -2 -n -r PATH ARGS (two passes: calls know their replies).
    TCP's heuristic dissectors (RPC's among them) go first: NFS clients
    use reserved source ports, and by port number alone tshark would
    give a conversation from port 862 to TWAMP-Control, whose dissector
    then calls every RPC message malformed."""
    out = subprocess.run(["tshark", "-2", "-n",
                          "-o", "tcp.try_heuristic_first:TRUE",
                          "-o", "tcp.reassemble_out_of_order:TRUE",
                          "-r", path] +
                         list(args), capture_output=True, text=True,
                         timeout=600)
    if out.returncode != 0:
        raise RuntimeError("tshark -r %s: %s" % (" ".join(args),
                                                 out.stderr.strip()))
    return out.stdout


FIELDS = ("frame.number", "rpc.msgtyp", "rpc.reqframe", "rpc.repframe",
          "_ws.malformed", "nfs.procedure_v3", "mount.procedure_v3",
          "tcp.stream", "tcp.analysis.lost_segment",
          "tcp.analysis.out_of_order", "tcp.analysis.retransmission")


def unfilled_gaps(rows):
    """{TCP stream: gaps} for the streams where tshark saw more gaps
    (a segment that starts past the next expected byte) than late
    segments that could fill them."""
    gaps = {}
    for r in rows:
        if not r["tcp.stream"]:
            continue
        n = (len(r["tcp.analysis.lost_segment"]) -
             len(r["tcp.analysis.out_of_order"]) -
             len(r["tcp.analysis.retransmission"]))
        gaps[r["tcp.stream"][0]] = gaps.get(r["tcp.stream"][0], 0) + n
    return {k: v for k, v in gaps.items() if v > 0}


def frames(text):
    """The -T fields part of tshark's output: one dict per frame."""
    rows = []
    for ln in text.splitlines():
        cols = ln.split("\t")
        if len(cols) != len(FIELDS) or not cols[0].isdigit():
            continue
        rows.append({f: [v for v in c.split(",") if v]
                     for f, c in zip(FIELDS, cols)})
    return rows


def expert_rows(text):
    """[(severity, count, group, protocol, summary)] from -z expert."""
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
    """One two-pass tshark run: per-frame fields and the expert table."""
    args = ["-T", "fields", "-E", "separator=/t", "-E", "occurrence=a",
            "-E", "aggregator=,", "-z", "expert,warn"]
    for f in FIELDS:
        args += ["-e", f]
    text = tshark(in_time_order(path), *args)
    rows = frames(text)
    problems = []
    cap.packets = len(rows)
    calls = sum(r["rpc.msgtyp"].count("0") for r in rows)
    replies = sum(r["rpc.msgtyp"].count("1") for r in rows)
    nfs = sum(1 for r in rows if r["nfs.procedure_v3"])
    mount = sum(1 for r in rows if r["mount.procedure_v3"])
    # Every RPC message links to its partner (a call to its reply, a
    # reply to its call); count the messages that do not.
    alone = sum(len(r["rpc.msgtyp"]) - len(r["rpc.reqframe"]) -
                len(r["rpc.repframe"]) for r in rows)
    for stream, n in sorted(unfilled_gaps(rows).items()):
        problems.append("TCP stream %s: %d segments not captured (the "
                        "messages in them went unchecked)" % (stream, n))
    for r in rows:
        if r["_ws.malformed"]:
            problems.append("malformed packet: frame %s" %
                            r["frame.number"][0])
    ignored = []
    for sev, n, group, proto, summary in expert_rows(text):
        what = "%s %s/%s: %s (x%d)" % (sev, proto, group, summary, n)
        if sev == "Errors":
            problems.append("expert " + what)
        elif proto not in DISSECTORS:
            ignored.append(what)
        else:
            problems.append("expert " + what)
    if alone > cap.unanswered_ok:
        problems.append("%d RPC messages without their call or reply" % alone)
    summary = ("%d packets, %d RPC calls, %d replies, %d NFS and %d MOUNT "
               "frames, %d messages unpaired; %d problems; not counted "
               "(TCP): %s" % (cap.packets, calls, replies, nfs, mount, alone,
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
        lost = cap.dropped()
        print("capture: %s, %d packets dropped" % (argv[1], lost))
        if rc == 0 and lost:
            return EXIT_DROPPED
        return rc
    print(__doc__.strip().split("\n\n")[1], file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
