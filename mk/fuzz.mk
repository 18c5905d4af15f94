# fuzz.mk - libFuzzer harnesses (tests/fuzz/), built with clang, ASan
# and UBSan into $(BUILD)/fuzz/; included at the end of GNUmakefile.
# `make check` runs each for CHECK_FUZZ_SECONDS (3), so that they keep
# building and their seeds keep passing; `make fuzz` is the long run.
#
#   make fuzz-build                 build every harness
#   make fuzz [FUZZ_SECONDS=30]     run each for FUZZ_SECONDS; fails when
#                                   any finds a crash (kept in
#                                   $(BUILD)/fuzz/crashes/, logs beside)
#   make fuzz-run-NAME              one harness: record, callhdr, args,
#                                   exports
#
# Seeds are tests/fuzz/corpus/NAME/ (made by tests/fuzz/mkcorpus.py);
# what a run finds goes to $(BUILD)/fuzz/corpus/NAME/.  To replay a
# crash: $(BUILD)/fuzz/fuzz_NAME FILE.

FUZZ_CC		?= clang
FUZZ_SECONDS	?= 30
FUZZ_DIR	:= $(BUILD)/fuzz
FUZZ_OBJ	:= $(FUZZ_DIR)/obj
FUZZ_NAMES	:= record callhdr args exports
FUZZ_BINS	:= $(FUZZ_NAMES:%=$(FUZZ_DIR)/fuzz_%)

FUZZ_SAN	:= -fsanitize=address,undefined -fno-sanitize-recover=undefined \
		   -fno-omit-frame-pointer
FUZZ_CPPFLAGS	:= -D_GNU_SOURCE -Ilib -Iexport -Infsd/rpc -Infsd/vfs -I$(GEN) \
		   $(TIRPC_CFLAGS)
FUZZ_CFLAGS	:= -g -O1 $(FUZZ_SAN) -fsanitize=fuzzer-no-link -pthread -MMD -MP
FUZZ_LIBS	:= $(TIRPC_LIBS) -lcrypto

# The project sources each harness needs.  args decodes with the
# daemon's own tables (nfsd/nfs3.c, nfsd/mount3.c) and the WRITE
# decoder in nfsd/nfs3_io.c, so it links the daemon less main.c.
FUZZ_SRC_record	 := nfsd/rpc/record.c nfsd/rpc/msg.c lib/log.c
FUZZ_SRC_callhdr := nfsd/rpc/msg.c
FUZZ_SRC_args	 := $(NFSD_SRC) $(LIB_SRC) $(GEN_C) $(XDR_SRC)
FUZZ_SRC_exports := export/parse.c export/cred.c export/match.c

# -max_len of each: a record stream, one call header (at most two
# 400-byte auth bodies), arguments, an exports file past one
# EXPORT_MAX_LINE logical line.
FUZZ_LEN_record	 := 4096
FUZZ_LEN_callhdr := 1024
FUZZ_LEN_args	 := 4096
FUZZ_LEN_exports := 12288

FUZZ_LDFLAGS_exports := -Wl,--wrap=getaddrinfo
FUZZ_OPTS_exports    := -dict=tests/fuzz/exports.dict

fuzz_obj = $(patsubst $(GEN)/%.c,$(FUZZ_OBJ)/gen/%.o,\
	   $(patsubst %.c,$(FUZZ_OBJ)/%.o,$(filter-out $(GEN)/%,$(1))) \
	   $(filter $(GEN)/%,$(1)))

.PHONY: fuzz fuzz-build $(FUZZ_NAMES:%=fuzz-run-%)

fuzz-build: deps
	$(MAKE) $(FUZZ_BINS)

fuzz: fuzz-build
	$(MAKE) -k $(FUZZ_NAMES:%=fuzz-run-%)

# The harnesses themselves: the project's warnings, as errors.
$(FUZZ_OBJ)/tests/fuzz/%.o: tests/fuzz/%.c | $(GEN_H)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CPPFLAGS) $(WARN) $(FUZZ_CFLAGS) -c -o $@ $<

# Generated code is not ours to fix: relaxed warnings, as in GNUmakefile.
$(FUZZ_OBJ)/gen/%.o: $(GEN)/%.c $(GEN_H)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CPPFLAGS) $(FUZZ_CFLAGS) -c -o $@ $<

# Project code: warnings shown, not fatal (clang warns where gcc does not).
$(FUZZ_OBJ)/%.o: %.c | $(GEN_H)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CPPFLAGS) $(filter-out -Werror,$(WARN)) \
	    $(FUZZ_CFLAGS) -c -o $@ $<

define fuzz_harness
$(FUZZ_DIR)/fuzz_$(1): $(FUZZ_OBJ)/tests/fuzz/fuzz_$(1).o \
    $(call fuzz_obj,$(FUZZ_SRC_$(1)))
	$$(FUZZ_CC) $$(FUZZ_SAN) -fsanitize=fuzzer -pthread \
	    $$(FUZZ_LDFLAGS_$(1)) -o $$@ $$^ $$(FUZZ_LIBS)

# Run from a copy of the seeds; print libFuzzer's closing line, or the
# end of its log and fail.
fuzz-run-$(1): $(FUZZ_DIR)/fuzz_$(1)
	@mkdir -p $(FUZZ_DIR)/corpus/$(1) $(FUZZ_DIR)/crashes
	@echo "fuzz: $(1) for $$(FUZZ_SECONDS)s, log $(FUZZ_DIR)/$(1).log"
	@if $(FUZZ_DIR)/fuzz_$(1) -max_total_time=$$(FUZZ_SECONDS) \
	    -max_len=$(FUZZ_LEN_$(1)) -timeout=10 -print_final_stats=1 \
	    -artifact_prefix=$(FUZZ_DIR)/crashes/$(1)- $(FUZZ_OPTS_$(1)) \
	    $(FUZZ_DIR)/corpus/$(1) tests/fuzz/corpus/$(1) \
	    >$(FUZZ_DIR)/$(1).log 2>&1; then \
		echo "fuzz: $(1): `grep -a 'DONE ' $(FUZZ_DIR)/$(1).log`"; \
	else \
		tail -n 60 $(FUZZ_DIR)/$(1).log; \
		echo "fuzz: $(1): FAILED, its input is in $(FUZZ_DIR)/crashes/"; \
		exit 1; \
	fi
endef
$(foreach h,$(FUZZ_NAMES),$(eval $(call fuzz_harness,$(h))))
