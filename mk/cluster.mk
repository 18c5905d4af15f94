# cluster.mk - `make check-cluster`: the whole mail cluster in network
# namespaces (tests/cluster/: two fileservers on a private storage
# network, MX and POP3 pairs, dnsmasq, an outside Exim, an intruder),
# failures included.  Needs root, iproute2, dnsmasq and exim4; without
# them it says which is missing and skips.  See docs/cluster.md.

.PHONY: check-cluster
check-cluster: $(BUILD)/nfsd $(BUILD)/mxd $(BUILD)/pop3d $(BUILD)/mailctl
	tests/cluster/run.sh $(BUILD)
