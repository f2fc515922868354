# pipewatch — one build for everything.
#   make            build build/pipewatch
#   make demo       install missing build dependencies, build, replay the bundled samples
#   make test       the whole test suite (unit tests, pcap regressions, checks against tshark)
#   make sanitize   the unit and pcap tests built with ASan + UBSan
#   make fuzz       libFuzzer targets, FUZZ_SECONDS each (FUZZ_RUNS to stop sooner, FUZZ_TARGETS to pick)
#   make fuzz-merge the inputs those runs found that add coverage, into tests/fuzz/corpus/
#   make bench      throughput against tshark and ndpiReader (see docs/performance.md)
#   make bench-live live capture under load against tcpdump (root; see docs/performance.md)
#   make golden     rewrite pcaps/*.eve.json after a deliberate change (read the diff!)
#   make outputs-doc rewrite docs/outputs.md (a record of each type in each layout; read the diff!)
#   make samples    regenerate the bundled captures (needs root, Samba, impacket)

CC       ?= cc
BUILD    ?= build
PREFIX   ?= /usr/local
SYSCONFDIR ?= $(PREFIX)/etc/pipewatch
DESTDIR  ?=
VERSION  := $(shell git describe --tags --always --dirty 2>/dev/null || cat VERSION 2>/dev/null || echo 0.1.0)

PKGS     := libpcap libndpi yaml-0.1 libpcre2-8 hiredis zlib
TEST_PKGS := cmocka
# Debian packages that provide the above, plus what the tests run.
BUILD_DEBS := build-essential pkg-config libpcap-dev libndpi-dev libyaml-dev libpcre2-dev libcmocka-dev libhiredis-dev zlib1g-dev
TEST_DEBS  := tshark python3 tcpreplay iproute2 time cppcheck chromium redis-server redis-tools python3-impacket

OPT      ?= -O2
WARN     := -Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wstrict-prototypes -Wformat=2 -Wno-format-nonliteral
HARDEN   := -fstack-protector-strong -fPIE -D_FORTIFY_SOURCE=2
CFLAGS   ?= $(OPT) -g
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) $(HARDEN) $(CFLAGS) $(EXTRA_CFLAGS) \
             -DPW_VERSION='"$(VERSION)"' -DPW_SYSCONFDIR='"$(SYSCONFDIR)"' -I. $(DEP_CFLAGS)
LDFLAGS_HARDEN := -pie -Wl,-z,relro,-z,now
ALL_LDFLAGS = $(LDFLAGS_HARDEN) $(LDFLAGS) $(EXTRA_LDFLAGS)

DEP_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
DEP_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread
TEST_LIBS  = $(shell pkg-config --libs $(TEST_PKGS) 2>/dev/null)

# Three floors, one archive each: protocols/ < detect/ < sensor/. A program
# links its floor and the floors below it, nothing above (LIBS_<floor>).
FLOORS   := protocols detect sensor
LIB_SRC  := $(sort $(wildcard protocols/*.c detect/*.c sensor/*.c))
LIB_SRC  := $(filter-out sensor/main.c,$(LIB_SRC))
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/obj/%.o)
LIBS_protocols := $(BUILD)/libpw_protocols.a
LIBS_detect    := $(BUILD)/libpw_detect.a $(LIBS_protocols)
LIBS_sensor    := $(BUILD)/libpw_sensor.a $(LIBS_detect)
LIBS_none      :=
# The floor of a unit test or fuzz target is the floor of the module it is
# named after (test_smb2 -> protocols): the module itself, else a module it
# prefixes (fuzz_smb -> smb_conn), else the same for its first word
# (test_sigma_noalloc -> sigma). tests/lint/floors.py decides the same way.
floor_exact  = $(firstword $(foreach d,$(FLOORS),$(if $(wildcard $(d)/$(1).c),$(d))))
floor_prefix = $(firstword $(foreach d,$(FLOORS),$(if $(wildcard $(d)/$(1)*.c),$(d))))
floor_word   = $(or $(call floor_exact,$(1)),$(call floor_prefix,$(1)))
module_floor = $(or $(call floor_word,$(1)),$(call floor_word,$(firstword $(subst _, ,$(1)))),\
                 $(error no module of $(FLOORS) named like '$(1)': its floor is unknown))
# A tool's floor: the highest floor it includes (none: no archive).
tool_floor   = $(or $(if $(shell grep -l '^.include ".*sensor/' $(1)),sensor),\
                 $(if $(shell grep -l '^.include ".*detect/' $(1)),detect),\
                 $(if $(shell grep -l '^.include ".*protocols/' $(1)),protocols),none)
TEST_SRC := $(sort $(wildcard tests/unit/test_*.c))
TEST_NAMES := $(TEST_SRC:tests/unit/%.c=%)
# The tests' shared builders and helpers: a test is rebuilt when one changes.
TEST_HDRS := $(wildcard tests/unit/*.h)
TEST_BIN := $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%)
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_NAMES := $(FUZZ_SRC:tests/fuzz/%.c=%)
REGRESS_BIN := $(FUZZ_NAMES:%=$(BUILD)/fuzz-regress/%)
# The fuzz targets' shared input readers: a target is rebuilt when one changes.
FUZZ_HDRS := $(wildcard tests/fuzz/*.h)
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= $(FUZZ_NAMES)
# failmalloc.c is a preloaded library (fault injection for tests/cli), not a program.
TOOL_SRC := $(filter-out tests/tools/failmalloc.c,$(sort $(wildcard tests/tools/*.c)))
TOOL_BIN := $(TOOL_SRC:tests/tools/%.c=$(BUILD)/tools/%) $(BUILD)/tools/failmalloc.so
# Benchmark tools need only libpcap: built without the library so they work on any tree.
BENCH_TOOL_SRC := $(sort $(wildcard tests/bench/*.c)) tests/tools/pcap-replicate.c
BENCH_TOOL_BIN := $(patsubst %.c,$(BUILD)/tools/%,$(notdir $(BENCH_TOOL_SRC)))
TOOL_BIN := $(sort $(TOOL_BIN) $(BENCH_TOOL_BIN))

.PHONY: all deps test unit-tests demo sanitize fuzz fuzz-merge bench bench-rules bench-live bench-build golden outputs-doc samples install uninstall clean help
.DEFAULT_GOAL := all

all: deps-check $(BUILD)/pipewatch

help:
	@sed -n '2,12p' Makefile | sed 's/^# //'

# --- dependencies ------------------------------------------------------------
# Installs missing Debian packages when run as root; otherwise prints the
# exact command and stops.
deps-check:
	@sh tests/tools/deps.sh "$(PKGS) $(TEST_PKGS)" "$(BUILD_DEBS)"

deps: deps-check

deps-test: deps-check
	@sh tests/tools/deps.sh "" "$(TEST_DEBS)" tshark python3 tcpreplay ip /usr/bin/time cppcheck chromium redis-server redis-cli \
	  impacket-rpcdump

# --- build -------------------------------------------------------------------
$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(foreach f,$(FLOORS),$(eval $(BUILD)/libpw_$(f).a: $(filter $(BUILD)/obj/$(f)/%,$(LIB_OBJ))))
$(BUILD)/libpw_%.a:
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/pipewatch: $(BUILD)/obj/sensor/main.o $(LIBS_sensor)
	$(CC) $(ALL_CFLAGS) $^ -o $@ $(ALL_LDFLAGS) $(DEP_LIBS)

# Unit tests: each links the archives of its module's floor and below.
define unit_test_rule
$(BUILD)/tests/$(1): tests/unit/$(1).c $$(LIBS_$(2)) $$(TEST_HDRS)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(ALL_CFLAGS) -Wno-unused-parameter $$< -o $$@ $$(LIBS_$(2)) $$(ALL_LDFLAGS) $$(DEP_LIBS) $$(TEST_LIBS)
endef
$(foreach t,$(TEST_NAMES),$(eval $(call unit_test_rule,$(t),$(call module_floor,$(t:test_%=%)))))

# Test tools (capture rewriters and the like): one .c each, linked with the floors they include.
define tool_rule
$(BUILD)/tools/$(1): tests/tools/$(1).c $$(LIBS_$(2))
	@mkdir -p $$(dir $$@)
	$$(CC) $$(ALL_CFLAGS) $$< -o $$@ $$(LIBS_$(2)) $$(ALL_LDFLAGS) $$(DEP_LIBS)
endef
$(foreach t,$(filter-out pcap-replicate,$(TOOL_SRC:tests/tools/%.c=%)),\
  $(eval $(call tool_rule,$(t),$(call tool_floor,tests/tools/$(t).c))))

# Fuzz targets, built with a plain driver so the test suite replays their corpora;
# like the unit tests, each links its module's floor and below.
define fuzz_rule
$(BUILD)/fuzz-regress/$(1): tests/fuzz/$(1).c tests/fuzz/driver.c $(FUZZ_HDRS) $$(LIBS_$(2))
	@mkdir -p $$(dir $$@)
	$$(CC) $$(ALL_CFLAGS) -Wno-unused-parameter $$< tests/fuzz/driver.c -o $$@ $$(LIBS_$(2)) $$(ALL_LDFLAGS) $$(DEP_LIBS)
endef
$(foreach t,$(FUZZ_NAMES),$(eval $(call fuzz_rule,$(t),$(call module_floor,$(t:fuzz_%=%)))))

$(BUILD)/tools/failmalloc.so: tests/tools/failmalloc.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -fPIC -shared $< -o $@

$(BUILD)/tools/pcap-replicate: tests/tools/pcap-replicate.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $< -o $@ $(ALL_LDFLAGS) $(DEP_LIBS)

$(BUILD)/tools/%: tests/bench/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $< -o $@ $(ALL_LDFLAGS) $(DEP_LIBS)

-include $(LIB_OBJ:.o=.d) $(BUILD)/obj/sensor/main.d

# --- tests -------------------------------------------------------------------
unit-tests: deps-check $(TEST_BIN) $(TOOL_BIN) $(REGRESS_BIN)

test: deps-test $(BUILD)/pipewatch unit-tests
	@BUILD=$(BUILD) sh tests/run-tests.sh

sanitize:
	@sh tests/tools/deps.sh "" "clang libclang-rt-14-dev" clang
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/tools/lsan.supp $(MAKE) BUILD=build-san CC=clang OPT=-O1 \
	  EXTRA_CFLAGS="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -DPW_CHECKED" \
	  EXTRA_LDFLAGS="-fsanitize=address,undefined" test

# libFuzzer runs: every target (or FUZZ_TARGETS) for FUZZ_SECONDS, corpus grown in build-fuzz/corpus/.
fuzz:
	@sh tests/tools/deps.sh "" "clang libclang-rt-14-dev" clang
	$(MAKE) BUILD=build-fuzz CC=clang OPT=-O1 \
	  EXTRA_CFLAGS="-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -DPW_CHECKED" \
	  $(foreach f,$(FLOORS),build-fuzz/libpw_$(f).a)
	@mkdir -p build-fuzz/bin
	@$(foreach t,$(FUZZ_TARGETS),\
	  clang $(ALL_CFLAGS) -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -Wno-unused-parameter tests/fuzz/$(t).c \
	    $(subst $(BUILD)/,build-fuzz/,$(LIBS_$(call module_floor,$(t:fuzz_%=%)))) -o build-fuzz/bin/$(t) $(DEP_LIBS) || exit 1;)
	@BUILD=build-fuzz FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_RUNS=$(FUZZ_RUNS) sh tests/fuzz/run.sh $(FUZZ_TARGETS)

# After make fuzz: the grown inputs that add coverage go into tests/fuzz/corpus/ (8 KB at most each, 2 KB for smb and pipeline).
fuzz-merge:
	@BUILD=build-fuzz sh tests/fuzz/run.sh --merge $(FUZZ_TARGETS)

golden: $(BUILD)/pipewatch
	@BUILD=$(BUILD) sh tests/pcap/golden.sh

outputs-doc: deps-check $(BUILD)/pipewatch
	python3 tests/tools/outputs-doc.py $(BUILD)/pipewatch >docs/outputs.md

demo: deps-check $(BUILD)/pipewatch
	@BUILD=$(BUILD) sh tests/tools/demo.sh

samples:
	sh pcaps/make-samples.sh

install: all
	install -D -m 0755 $(BUILD)/pipewatch $(DESTDIR)$(PREFIX)/bin/pipewatch
	install -D -m 0644 conf/pipewatch.yaml $(DESTDIR)$(SYSCONFDIR)/pipewatch.yaml
	install -d $(DESTDIR)$(SYSCONFDIR)/rules
	install -m 0644 conf/rules/*.yml $(DESTDIR)$(SYSCONFDIR)/rules/
	install -D -m 0644 docs/pipewatch.8 $(DESTDIR)$(PREFIX)/share/man/man8/pipewatch.8
	install -d $(DESTDIR)$(PREFIX)/lib/systemd/system
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' conf/pipewatch.service \
	  >$(DESTDIR)$(PREFIX)/lib/systemd/system/pipewatch.service
	install -D -m 0644 conf/pipewatch.logrotate $(DESTDIR)$(PREFIX)/share/doc/pipewatch/pipewatch.logrotate

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/pipewatch $(DESTDIR)$(PREFIX)/share/man/man8/pipewatch.8
	rm -f $(DESTDIR)$(PREFIX)/lib/systemd/system/pipewatch.service
	rm -rf $(DESTDIR)$(PREFIX)/share/doc/pipewatch $(DESTDIR)$(SYSCONFDIR)/rules
	rm -f $(DESTDIR)$(SYSCONFDIR)/pipewatch.yaml
	-rmdir $(DESTDIR)$(SYSCONFDIR) 2>/dev/null

# --- benchmark -----------------------------------------------------------------
# An -O2 build of its own (portable: no -march=native), then tests/bench/bench.sh, which makes the
# capture once (cached in tests/bench/cache/) and times the tools. BENCH_RUNS=N runs each tool N
# times; BENCH_10X=1 also makes and reads the 10x captures of each set (flat-memory check); BENCH_WORKERS
# lists the --workers counts timed besides the single-threaded run.
# BENCH_SETS picks the captures: bulk (bulk transfers) and dense (small SMB operations);
# BENCH_PROFILE=1 adds a callgrind profile by stage to each report.
BENCH_RUNS ?= 3
BENCH_10X  ?= 0
BENCH_WORKERS ?= 2
BENCH_SETS ?= bulk dense
BENCH_PROFILE ?= 0
bench:
	$(MAKE) --no-print-directory BUILD=build-bench OPT=-O2 CFLAGS="-O2 -g -DNDEBUG" bench-build
	@sh tests/tools/deps.sh "" "valgrind" valgrind
	for set in $(BENCH_SETS); do \
	    BUILD=build-bench BENCH_SET=$$set BENCH_RUNS=$(BENCH_RUNS) BENCH_10X=$(BENCH_10X) BENCH_PROFILE=$(BENCH_PROFILE) \
	        BENCH_WORKERS="$(BENCH_WORKERS)" bash tests/bench/bench.sh || exit 1; \
	done
	$(MAKE) --no-print-directory bench-rules
	BUILD=build-bench BENCH_RUNS=$(BENCH_RUNS) bash tests/bench/bench-outputs.sh

# Matching cost against the rule count (10, 1,000, 10,000 generated rules; BENCH_RULES_DIR adds a real set).
bench-rules:
	$(MAKE) --no-print-directory BUILD=build-bench OPT=-O2 CFLAGS="-O2 -g -DNDEBUG" bench-build \
	  build-bench/tools/sigma-rulegen build-bench/tools/pcap-hostile
	BUILD=build-bench BENCH_RUNS=$(BENCH_RUNS) bash tests/bench/bench-rules.sh

# Live capture (needs root): tcpreplay into a veth pair between two namespaces made by the
# script, pipewatch and tcpdump side by side. BENCH_LIVE_OLD_REV=COMMIT also measures the
# pipewatch of that commit; BENCH_LIVE_RATES, BENCH_LIVE_RUNS, BENCH_LIVE_WORKERS as in the script.
BENCH_LIVE_OLD_REV ?=
bench-live:
	$(MAKE) --no-print-directory BUILD=build-bench OPT=-O2 CFLAGS="-O2 -g -DNDEBUG" bench-build
	@sh tests/tools/deps.sh "" "tcpdump tcpreplay iproute2 ethtool time procps" tcpdump tcpreplay ip ethtool /usr/bin/time pgrep
	BUILD=build-bench BENCH_LIVE_OLD_REV=$(BENCH_LIVE_OLD_REV) bash tests/bench/bench-live.sh

bench-build: deps-check $(BENCH_TOOL_BIN) $(if $(wildcard sensor/main.c),$(BUILD)/pipewatch)

clean:
	rm -rf build build-san build-fuzz build-bench
