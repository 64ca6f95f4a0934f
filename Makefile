# gatelab - build, test, coverage, sanitizers, benchmarks.
# Objects go out of tree under $(BUILD); each variant (plain, san, cov) has its own.

BUILD    ?= build
CC       ?= cc
CFLAGS   ?= -O2 -g
CFLAGS   += -std=c17 -Wall -Wextra -Werror -D_DEFAULT_SOURCE -D_GNU_SOURCE -MMD -MP
LDLIBS   += -lpcap -ljansson -lyaml -lnet -lm
EXTRA_CFLAGS ?=
EXTRA_LDFLAGS ?=
CFLAGS   += $(EXTRA_CFLAGS)
LDFLAGS  += $(EXTRA_LDFLAGS)

# Library layers (everything below cli/), in dependency order.
LIB_DIRS := net ftp engine api proxy replay sim
LIB_SRC  := $(foreach d,$(LIB_DIRS),$(wildcard $(d)/*.c))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
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

BENCH_SRC := $(wildcard bench/*.c)
BENCH_BIN := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)

.PHONY: all deps check unit integration demo coverage sanitize valgrind bench fuzz clean

all: $(BUILD)/gatelab

deps:
	@bash scripts/deps.sh

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

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

# No fuzz harness has landed yet; say so rather than succeed silently.
fuzz:
	@echo "fuzz: no fuzz harnesses yet (planned: net_pkt_parse, ftp_find_addr, the capture reader)"

clean:
	rm -rf build

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
