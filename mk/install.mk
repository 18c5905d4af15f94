# install.mk - make install / make uninstall, included by GNUmakefile.
#
#   make install [DESTDIR=/tmp/root] [PREFIX=/usr/local] [SYSTEMDDIR=...]
#
# Daemons and mailctl (those built) go to $(PREFIX)/sbin, nfsbench to
# $(PREFIX)/bin, man pages to $(MANDIR)/man1, man5 and man8, the example configs to $(EXAMPLESDIR) and the
# systemd units to $(SYSTEMDDIR).  Nothing under /etc is written: copy
# the examples there yourself.  The units name /usr/local/sbin; with
# another PREFIX they are installed with that path instead.

PREFIX		?= /usr/local
DESTDIR		?=
SBINDIR		?= $(PREFIX)/sbin
BINDIR		?= $(PREFIX)/bin
MANDIR		?= $(PREFIX)/share/man
EXAMPLESDIR	?= $(PREFIX)/share/examples/mailnfs
SYSTEMDDIR	?= $(PREFIX)/lib/systemd/system
INSTALL		?= install

INSTALL_PROGS	 = $(wildcard $(addprefix $(BUILD)/,nfsd mailctl mxd pop3d))
INSTALL_BINS	 = $(wildcard $(BUILD)/bench/nfsbench)
INSTALL_MAN1	:= $(wildcard man/*.1)
INSTALL_MAN5	:= $(wildcard man/*.5)
INSTALL_MAN8	:= $(wildcard man/*.8)
INSTALL_EXAMPLES := $(wildcard contrib/*.example)
INSTALL_UNITS	:= $(wildcard contrib/systemd/*.service)

.PHONY: install uninstall
install:
	@test -n "$(INSTALL_PROGS)" || { echo "install: nothing built in $(BUILD): run make first" >&2; exit 1; }
	$(INSTALL) -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) \
	    $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
	    $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(EXAMPLESDIR) \
	    $(DESTDIR)$(SYSTEMDDIR)
	$(INSTALL) -m 755 $(INSTALL_PROGS) $(DESTDIR)$(SBINDIR)/
	$(if $(INSTALL_BINS),$(INSTALL) -m 755 $(INSTALL_BINS) $(DESTDIR)$(BINDIR)/)
	$(INSTALL) -m 644 $(INSTALL_MAN1) $(DESTDIR)$(MANDIR)/man1/
	$(INSTALL) -m 644 $(INSTALL_MAN5) $(DESTDIR)$(MANDIR)/man5/
	$(INSTALL) -m 644 $(INSTALL_MAN8) $(DESTDIR)$(MANDIR)/man8/
	$(INSTALL) -m 644 $(INSTALL_EXAMPLES) $(DESTDIR)$(EXAMPLESDIR)/
	for u in $(INSTALL_UNITS); do \
	    sed 's|/usr/local/sbin/|$(SBINDIR)/|g' $$u > $(DESTDIR)$(SYSTEMDDIR)/$${u##*/}.tmp && \
	    chmod 644 $(DESTDIR)$(SYSTEMDDIR)/$${u##*/}.tmp && \
	    mv -f $(DESTDIR)$(SYSTEMDDIR)/$${u##*/}.tmp $(DESTDIR)$(SYSTEMDDIR)/$${u##*/} || exit 1; \
	done

# Removes what install puts there (whether built now or not), then the
# directories of ours that are left empty.
uninstall:
	rm -f $(addprefix $(DESTDIR)$(SBINDIR)/,nfsd mailctl mxd pop3d)
	rm -f $(DESTDIR)$(BINDIR)/nfsbench
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man1/,$(notdir $(INSTALL_MAN1)))
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man5/,$(notdir $(INSTALL_MAN5)))
	rm -f $(addprefix $(DESTDIR)$(MANDIR)/man8/,$(notdir $(INSTALL_MAN8)))
	rm -f $(addprefix $(DESTDIR)$(EXAMPLESDIR)/,$(notdir $(INSTALL_EXAMPLES)))
	rm -f $(addprefix $(DESTDIR)$(SYSTEMDDIR)/,$(notdir $(INSTALL_UNITS)))
	-rmdir $(DESTDIR)$(EXAMPLESDIR) 2>/dev/null

# make check: install into a scratch DESTDIR, check what landed, and
# uninstall again leaving no file behind.
CHECK_DESTDIR := $(abspath $(BUILD))/destdir
.PHONY: check-install
check-install:
	rm -rf $(CHECK_DESTDIR)
	$(MAKE) --no-print-directory install DESTDIR=$(CHECK_DESTDIR) PREFIX=/usr
	test -x $(CHECK_DESTDIR)/usr/sbin/nfsd
	test -x $(CHECK_DESTDIR)/usr/sbin/mailctl
	test -f $(CHECK_DESTDIR)/usr/share/man/man8/nfsd.8
	test -f $(CHECK_DESTDIR)/usr/share/man/man5/exports.5
	test -x $(CHECK_DESTDIR)/usr/bin/nfsbench
	test -f $(CHECK_DESTDIR)/usr/share/man/man1/nfsbench.1
	grep -q '^ExecStart=/usr/sbin/nfsd' \
	    $(CHECK_DESTDIR)/usr/lib/systemd/system/nfsd.service
	$(MAKE) --no-print-directory uninstall DESTDIR=$(CHECK_DESTDIR) PREFIX=/usr
	test -z "$$(find $(CHECK_DESTDIR) -type f)"
	rm -rf $(CHECK_DESTDIR)
