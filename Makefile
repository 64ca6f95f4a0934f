# gatelab - build, test, coverage, sanitizers, benchmarks.
# Objects go out of tree under $(BUILD); each variant (plain, san, cov) has its own.

BUILD    ?= build
CC       ?= cc
CFLAGS   ?= -O2 -g
CFLAGS   += -std=c17 -Wall -Wextra -Werror -D_DEFAULT_SOURCE -D_GNU_SOURCE -MMD -MP
LDLIBS   += -lpcap -ljansson -lyaml -lnet -lnftables -lm
EXTRA_CFLAGS ?=
EXTRA_LDFLAGS ?=
CFLAGS   += $(EXTRA_CFLAGS)
LDFLAGS  += $(EXTRA_LDFLAGS)

# Library layers (everything below cli/), in dependency order.
LIB_DIRS := net ftp engine api proxy scen reports replay sim live
LIB_SRC  := $(foreach d,$(LIB_DIRS),$(wildcard $(d)/*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
# gatelab's own proxy in `gatelab live` needs the epoll driver (live_proxy_run,
# live/live_proxy.h). Until a live/ source defines it, the proxy and fastpath
# live modes say "not available in this build" (live/live_mode_gatelab.c).
LIVE_PROXY_SRC := $(shell grep -l -e '^int live_proxy_run' -e '^live_proxy_run' live/*.c 2>/dev/null)
ifneq ($(LIVE_PROXY_SRC),)
CFLAGS   += -DGATELAB_HAVE_LIVE_PROXY
endif
CLI_SRC  := $(wildcard cli/*.c)
CLI_OBJ  := $(CLI_SRC:%.c=$(BUILD)/obj/%.o)

# Unit tests: one CUnit binary per tests/test_*.c; helpers in tests/tu_*.c.
TEST_SRC := $(wildcard tests/test_*.c)
TEST_BIN := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
TU_SRC   := $(wildcard tests/tu_*.c)
TU_OBJ   := $(TU_SRC:%.c=$(BUILD)/obj/%.o)
# Built by a pattern rule for a pattern rule, they would count as intermediate
# and be deleted after every run (racing any other make on the same BUILD).
.SECONDARY: $(TU_OBJ)

.DEFAULT_GOAL := all

# The eBPF fast path (live/bpf/gl_fast.bpf.c): compiled by clang for the BPF
# target and embedded through bpftool's skeleton. Without either tool the
# backend is a stub answering -ENOTSUP, and make says so once.
BPF_CLANG ?= clang
BPF_ARCH_INC := /usr/include/$(shell $(CC) -dumpmachine 2>/dev/null)
HAVE_BPF := $(shell echo 'int x;' | $(BPF_CLANG) -target bpf -x c -c - -o /dev/null 2>/dev/null && \
	      command -v bpftool >/dev/null 2>&1 && test -f /usr/include/bpf/libbpf.h && echo 1)
ifeq ($(HAVE_BPF),1)
CFLAGS += -DGL_HAVE_BPF -I$(BUILD)/bpf
LDLIBS += -lbpf
BPF_SKEL := $(BUILD)/bpf/gl_fast.skel.h
$(BUILD)/bpf/gl_fast.bpf.o: live/bpf/gl_fast.bpf.c live/bpf/gl_fast.h
	@mkdir -p $(dir $@)
	$(BPF_CLANG) -O2 -g -target bpf -mcpu=v3 -Wall -Werror -I$(BPF_ARCH_INC) -c $< -o $@
$(BPF_SKEL): $(BUILD)/bpf/gl_fast.bpf.o
	bpftool gen skeleton $< name gl_fast > $@.tmp && mv $@.tmp $@
$(BUILD)/obj/live/natapi_ebpf.o: $(BPF_SKEL)
else
$(info gatelab: clang's BPF target, bpftool or libbpf-dev missing: the eBPF fast path is not built (its backend answers -ENOTSUP); run make deps)
endif

BENCH_SRC := $(wildcard bench/*.c)
BENCH_BIN := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)

.PHONY: all deps check unit integration demo coverage sanitize valgrind bench fuzz clean

all: $(BUILD)/gatelab

deps:
	@bash scripts/deps.sh

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

# Rebuilt when the driver appears or changes (the define above switches).
$(BUILD)/obj/live/live_mode_gatelab.o: $(LIVE_PROXY_SRC)

$(BUILD)/libgatelab.a: $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/gatelab: $(CLI_OBJ) $(BUILD)/libgatelab.a
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJ) $(BUILD)/libgatelab.a $(LDLIBS)

$(BUILD)/tests/%: tests/%.c $(TU_OBJ) $(BUILD)/libgatelab.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(TU_OBJ) $(BUILD)/libgatelab.a $(LDLIBS) -lcunit

$(BUILD)/bench/%: bench/%.c $(BUILD)/libgatelab.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libgatelab.a $(LDLIBS)

# The README's test command. Installs what is missing, builds, runs every
# CUnit suite and every integration test, prints one closing summary line.
check: deps
	@$(MAKE) --no-print-directory all $(TEST_BIN)
	@BUILD=$(BUILD) bash tests/run_all.sh $(TEST_BIN)

unit: all $(TEST_BIN)
	@BUILD=$(BUILD) bash tests/run_all.sh --unit-only $(TEST_BIN)

demo: deps
	@$(MAKE) --no-print-directory all
	@bash scripts/demo.sh $(BUILD)

# The variants set CFLAGS in the environment, not on the command line: a
# command-line CFLAGS would override the += lines above (-std, -W..., -MMD and
# EXTRA_CFLAGS would all be lost).
sanitize: deps
	@CFLAGS="-g" $(MAKE) --no-print-directory BUILD=build/san \
	  EXTRA_CFLAGS="-O1 -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all" \
	  EXTRA_LDFLAGS="-fsanitize=address,undefined" check

# Every unit binary under valgrind: any error or leak fails (see tests/run_all.sh).
valgrind: deps
	@CFLAGS="-O1 -g" $(MAKE) --no-print-directory BUILD=build/vg all $(TEST_BIN:$(BUILD)/%=build/vg/%)
	@BUILD=build/vg VALGRIND=1 bash tests/run_all.sh --unit-only $(TEST_BIN:$(BUILD)/%=build/vg/%)

coverage: deps
	@CFLAGS="-O0 -g" $(MAKE) --no-print-directory BUILD=build/cov \
	  EXTRA_CFLAGS="--coverage" EXTRA_LDFLAGS="--coverage" all $(TEST_BIN:$(BUILD)/%=build/cov/%)
	@bash scripts/coverage.sh build/cov

# Machine-dependent and minutes long: never part of `check`.
bench: deps
	@$(MAKE) --no-print-directory all $(BENCH_BIN)
	@bash scripts/bench.sh $(BUILD)

# libFuzzer targets (fuzz/fuzz_<name>.c + fuzz/fuzz_<name>_body.c), built with
# clang against the library compiled again for the fuzzer (never gcc objects).
# Each runs FUZZ_SECONDS on a work copy of its corpus; any crash or leak fails.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_DIR     := build/fuzz
FUZZ_TARGETS := packet ftp capture proxy scen
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS  := -std=c17 -Wall -Wextra -Werror -D_DEFAULT_SOURCE -D_GNU_SOURCE -MMD -MP \
		-O1 -g -fno-omit-frame-pointer $(FUZZ_SAN) -fsanitize=fuzzer-no-link
# Only the layers the targets exercise, so a half-written new layer cannot break them.
FUZZ_LIB_SRC := $(foreach d,net ftp engine api proxy scen replay,$(wildcard $(d)/*.c))
FUZZ_LIB_OBJ := $(FUZZ_LIB_SRC:%.c=$(FUZZ_DIR)/obj/%.o)
FUZZ_BIN     := $(FUZZ_TARGETS:%=$(FUZZ_DIR)/fuzz_%)
# Keep the objects the pattern rule below reaches through (make would delete them).
.SECONDARY: $(FUZZ_LIB_OBJ) $(foreach t,$(FUZZ_TARGETS),$(FUZZ_DIR)/obj/fuzz/fuzz_$(t).o \
	    $(FUZZ_DIR)/obj/fuzz/fuzz_$(t)_body.o)

$(FUZZ_DIR)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -c $< -o $@

# Linked through an archive: only the objects a target reaches are pulled in, so
# a file of these layers that calls into a layer above (sim/) cannot break it.
$(FUZZ_DIR)/libgatelab.a: $(FUZZ_LIB_OBJ)
	rm -f $@ && ar rcs $@ $^

$(FUZZ_DIR)/fuzz_%: $(FUZZ_DIR)/obj/fuzz/fuzz_%.o $(FUZZ_DIR)/obj/fuzz/fuzz_%_body.o \
		    $(FUZZ_DIR)/libgatelab.a
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $(filter %.o,$^) $(FUZZ_DIR)/libgatelab.a \
	  $(LDLIBS)

fuzz: deps
	@$(MAKE) --no-print-directory $(FUZZ_BIN)
	@bash fuzz/run_fuzz.sh $(FUZZ_DIR) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

clean:
	rm -rf build

# Before anything is compiled: the -dev packages' headers and libraries are there, or
# make stops at once with one line naming them and `make deps` (not a compiler error
# about a missing header). Skipped for the targets that run deps first and then make
# again (the inner make checks) and for those that build nothing; unit, tests and bench
# binaries also need CUnit and valgrind's headers, the fuzz targets $(FUZZ_CC).
NO_CHECK_GOALS := deps clean check demo sanitize valgrind coverage bench fuzz
CHECK_GOALS    := $(filter-out $(NO_CHECK_GOALS),$(or $(MAKECMDGOALS),all))
ifneq ($(CHECK_GOALS),)
BUILD_CHECK := $(shell CC='$(CC)' bash scripts/build_check.sh \
	$(if $(filter unit $(BUILD)/tests/% $(BUILD)/bench/% build/vg/% build/cov/%,$(CHECK_GOALS)),--tests) \
	$(if $(filter $(FUZZ_DIR)/%,$(CHECK_GOALS)),--fuzz-cc '$(FUZZ_CC)'))
ifneq ($(BUILD_CHECK),)
$(error $(BUILD_CHECK))
endif
endif

-include $(shell find $(BUILD)/obj $(FUZZ_DIR)/obj -name '*.d' 2>/dev/null)
