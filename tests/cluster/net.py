"""
net.py - the cluster's networks, built with iproute2: one network
namespace per host, a "switch" namespace holding one bridge per network,
and a veth pair per host leg (the host's end named after the network,
the switch's end enslaved to that network's bridge).

Every namespace name carries a prefix and the run's pid, so runs in
parallel never clash (each also has its own /run/netns); remove()
deletes them all (also on failure).
"""

import os
import subprocess

# run.sh passes its pid from outside the test's PID namespace (inside,
# this process is always pid 2)
PREFIX = "cl%s-" % os.environ.get("CLUSTER_ID", os.getpid())
SWITCH = "sw"
# network name -> (bridge, interface name in a host, /24 prefix)
NETWORKS = {
    "storage": ("br-storage", "st0", "10.77.1."),
    "public": ("br-public", "pub0", "10.77.2."),
    "intruder": ("br-intruder", "in0", "10.77.3."),
}
STORAGE_NET, STORAGE_MASK = "10.77.1.0", "255.255.255.0"


class NetError(Exception):
    pass


def ip(*args, ns=None):
    """Run one `ip` command (in namespace ns); raise NetError on failure."""
    argv = ["ip"] + (["-n", nsname(ns)] if ns else []) + list(args)
    r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True)
    if r.returncode != 0:
        raise NetError("%s: %s" % (" ".join(argv), r.stderr.strip()))
    return r.stdout


def nsname(host):
    return PREFIX + host


def netns_argv(host):
    """The argv prefix that runs a command in host's network namespace."""
    return ["ip", "netns", "exec", nsname(host)]


class Topology:
    """The hosts made so far: name -> {network: address}."""

    def __init__(self):
        self.hosts = {}
        self.made = []
        self._add_ns(SWITCH)
        for net, (bridge, _, _) in NETWORKS.items():
            ip("link", "add", bridge, "type", "bridge", ns=SWITCH)
            ip("link", "set", bridge, "up", ns=SWITCH)

    def _add_ns(self, name):
        ip("netns", "add", nsname(name))
        self.made.append(name)
        ip("link", "set", "lo", "up", ns=name)

    def add_host(self, name, legs, routes=(), forward=False):
        """A host with one leg per (network, last octet) in legs."""
        self._add_ns(name)
        self.hosts[name] = {}
        for net, octet in legs:
            self.add_leg(name, net, octet)
        for dest, via in routes:
            ip("route", "add", dest, "via", via, ns=name)
        if forward:
            sysctl(name, "net.ipv4.ip_forward", "1")
        return self.hosts[name][legs[0][0]]

    def add_leg(self, name, net, octet):
        bridge, ifname, pfx = NETWORKS[net]
        peer = "%s.%s" % (name[:8], ifname)
        ip("link", "add", peer, "type", "veth", "peer", "name", ifname,
           "netns", nsname(name), ns=SWITCH)
        ip("link", "set", peer, "master", bridge, "up", ns=SWITCH)
        addr = pfx + str(octet)
        ip("addr", "add", addr + "/24", "dev", ifname, ns=name)
        ip("link", "set", ifname, "up", ns=name)
        self.hosts[name][net] = addr
        return addr

    def addr(self, name, net):
        return self.hosts[name][net]

    def remove(self):
        """Delete every namespace made (their veths go with them)."""
        for name in reversed(self.made):
            subprocess.run(["ip", "netns", "delete", nsname(name)],
                           stderr=subprocess.DEVNULL)
        self.made = []


def sysctl(host, key, value):
    path = "/proc/sys/" + key.replace(".", "/")
    r = subprocess.run(netns_argv(host) + ["sh", "-c", "echo %s > %s"
                                           % (value, path)],
                       stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        raise NetError("sysctl %s in %s: %s" % (key, host, r.stderr.strip()))
