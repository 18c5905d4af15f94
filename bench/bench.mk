# bench.mk - the benchmark programs and `make bench`; included at the
# end of GNUmakefile.  Not part of `make check` (a smoke run is, in
# tests/integration/test_bench_smoke.sh).
#
#   make bench-build    nfsbench, diskbench and the trivial responder
#   make bench          run the whole benchmark (bench/run.sh): our nfsd
#                       against nfs-ganesha, the local-disk ceiling, the
#                       transport floor, and mail end to end; results,
#                       CSV and plots in $(BENCH_OUT)
#
# nfsbench:  bench/nfsbench/*.c, libnfs's async raw API (shipped)
# diskbench: bench/diskbench/*.c, the same workloads as plain syscalls
# responder: bench/floor/*.c, an epoll server answering every RPC with an
#            empty success (built here only, never installed)

BENCH_BIN	:= $(BUILD)/bench
BENCH_OUT	?= $(BUILD)/bench/results
BENCH_CFLAGS	:= -D_GNU_SOURCE $(LIBNFS_CFLAGS) $(CPPFLAGS) $(ALL_CFLAGS)

COMMON_BENCH_SRC := $(wildcard bench/common/*.c)
NFSBENCH_SRC	:= $(wildcard bench/nfsbench/*.c)
DISKBENCH_SRC	:= $(wildcard bench/diskbench/*.c)
FLOOR_SRC	:= $(wildcard bench/floor/*.c)
BENCH_PROGS	:= $(if $(NFSBENCH_SRC),$(BENCH_BIN)/nfsbench) \
		   $(if $(DISKBENCH_SRC),$(BENCH_BIN)/diskbench)
FLOOR_PROG	:= $(if $(FLOOR_SRC),$(BENCH_BIN)/responder)

.PHONY: bench bench-build
all: $(BENCH_PROGS)

$(OBJ)/bench/%.o: bench/%.c
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_CFLAGS) -Ibench/common -c -o $@ $<

$(BENCH_BIN)/nfsbench: $(call obj,$(NFSBENCH_SRC) $(COMMON_BENCH_SRC))
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LIBNFS_LIBS) -lm

$(BENCH_BIN)/diskbench: $(call obj,$(DISKBENCH_SRC) $(COMMON_BENCH_SRC))
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ -lm

$(BENCH_BIN)/responder: $(call obj,$(FLOOR_SRC))
	@mkdir -p $(dir $@)
	$(CC) $(ALL_LDFLAGS) -o $@ $^

bench-build: all $(BENCH_PROGS) $(FLOOR_PROG)

bench: deps
	$(MAKE) bench-build
	BENCH_OUT=$(BENCH_OUT) bench/run.sh $(BUILD)
