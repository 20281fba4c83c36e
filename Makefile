# SPDX-License-Identifier: GPL-2.0-only
# ztos: `make` builds build/ztosd and build/ztos, `make test` runs every test layer,
# `make demo` runs the agent on a lab of network namespaces, `make install` installs.

PREFIX ?= /usr/local
SYSCONFDIR ?= /etc
UNITDIR ?= /lib/systemd/system
DESTDIR ?=

.DEFAULT_GOAL := all
include common.mk

CONFIG_SRCS := $(wildcard agent/config/*.c)
ZTOSD_SRCS := $(wildcard agent/*.c agent/api/*.c agent/kernel/*.c agent/subsys/*.c \
	agent/subsys/frr/*.c agent/report/*.c)
ZTOS_SRCS := $(wildcard cli/*.c)
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
BPF_SRCS := $(wildcard bpf/*.bpf.c)
BPF_TEST_SRCS := $(wildcard tests/bpf/test_*.c)
BENCH_BPF_SRCS := $(wildcard bench/*.bpf.c)

LIBCONFIG := $(BUILD)/libztosconfig.a
# DPI library (gpu/): rules, engine interface, Hyperscan and host engines. Whoever links
# $(LIBDPI) adds $(DPI_LIBS). The CUDA engine is a separate libztosdpi_cuda.so (dlopen).
DPI_SRCS := $(wildcard gpu/*.c)
LIBDPI := $(BUILD)/libztosdpi.a
DPI_LIBS := $(call lib,libhs) -ldl -lpthread -lm
# nvcc where it is (PATH, then /usr/local/cuda): without it, no CUDA engine is built.
NVCC ?= $(firstword $(shell command -v nvcc 2>/dev/null) $(wildcard /usr/local/cuda/bin/nvcc))
DPI_CUDA := $(if $(NVCC),$(BUILD)/libztosdpi_cuda.so)
ZTOSD_LIBS := $(call lib,yaml-0.1 libcjson libmicrohttpd libbpf libnl-route-3.0 libnl-genl-3.0 libsodium) -lelf -lz -lpthread
ZTOS_LIBS := $(call lib,yaml-0.1 libcjson libcurl libsodium)

BPF_OBJS := $(patsubst %.bpf.c,$(BUILD)/%.bpf.o,$(BPF_SRCS))
BPF_SKELS := $(BPF_OBJS:.bpf.o=.skel.h)
BPF_TEST_BINS := $(patsubst tests/bpf/%.c,$(BUILD)/tests/%,$(BPF_TEST_SRCS))
BENCH_SKELS := $(patsubst %.bpf.c,$(BUILD)/%.skel.h,$(BENCH_BPF_SRCS))
XDP_BENCH := $(BUILD)/bench/xdp_bench
FLOWFILL := $(BUILD)/tests/flowfill

all: $(BUILD)/ztosd $(BUILD)/ztos $(BPF_SKELS) examples $(LIBDPI) $(DPI_CUDA)
.PHONY: all test run-tests demo install clean examples bench-tools web fuzz

$(LIBCONFIG): $(call objs,$(CONFIG_SRCS))
$(LIBDPI): $(call objs,$(DPI_SRCS))
ifneq ($(DPI_CUDA),)
$(DPI_CUDA): gpu/cuda_engine.cu gpu/cuda_api.h gpu/dpi_core.h
	@mkdir -p $(dir $@)
	$(NVCC) $(NVCC_FLAGS) -o $@ $<
endif

# The dashboard (web/dist, committed: no npm needed to build ztosd) is built into ztosd
# (agent/api/web.h says why). `make web` rebuilds web/dist from web/src.
WEB_DIST := $(shell find web/dist -type f 2>/dev/null | LC_ALL=C sort)
$(BUILD)/web_assets.c: scripts/embed-web.py $(WEB_DIST) web/dist $(wildcard web/dist/assets)
	@mkdir -p $(dir $@)
	scripts/embed-web.py web/dist $@
$(BUILD)/web_assets.o: $(BUILD)/web_assets.c | $(BUILD)/.deps
	$(CC) $(CFLAGS) -c -o $@ $<
web:
	scripts/web-build.sh

$(BUILD)/ztosd: $(call objs,$(ZTOSD_SRCS)) $(BUILD)/web_assets.o $(LIBCONFIG) $(LIBDPI)
	$(CC) $(LDFLAGS) -o $@ $^ $(ZTOSD_LIBS) $(call lib,libxdp) $(DPI_LIBS)

$(BUILD)/ztos: $(call objs,$(ZTOS_SRCS)) $(LIBCONFIG)
	$(CC) $(LDFLAGS) -o $@ $^ $(ZTOS_LIBS)

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(LIBCONFIG)
	$(CC) $(LDFLAGS) -o $@ $^ $(call lib,yaml-0.1 libcjson cmocka) $(TEST_LIBS)

UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))
# The DPI unit tests link the DPI library (Hyperscan).
DPI_TEST_BINS := $(BUILD)/tests/test_rules $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/test_dpi_*.c))
$(DPI_TEST_BINS): $(LIBDPI)
$(DPI_TEST_BINS): TEST_LIBS += $(DPI_LIBS)

# The datapath's translation is tested as the loader links it.
$(BUILD)/tests/test_dpmap: $(BUILD)/agent/subsys/dpmap.o

# A page of the flow table, tested on keys made here.
$(BUILD)/tests/test_flowpage: $(BUILD)/agent/subsys/flowpage.o

# The overlay's planner is tested on kernel views made by hand (vxlan.c keeps them).
$(BUILD)/tests/test_overlay_plan: $(call objs,agent/subsys/overlay_plan.c agent/kernel/vxlan.c \
	agent/kernel/nl.c agent/report/log.c agent/err.c)
$(BUILD)/tests/test_overlay_plan: TEST_LIBS += $(call lib,libnl-route-3.0 libnl-genl-3.0 libbpf)

# The AF_XDP frame parser's test links the reader itself (libxdp, libbpf).
$(BUILD)/tests/test_afxdp: $(BUILD)/agent/kernel/afxdp.o $(BUILD)/agent/kernel/rxbatch.o $(BUILD)/agent/err.o
$(BUILD)/tests/test_afxdp: TEST_LIBS += $(call lib,libxdp libbpf)

# The FRR renderer and parsers' test links them (and what they call) without the agent.
$(BUILD)/tests/test_frr: $(addprefix $(BUILD)/agent/subsys/frr/,render.o state.o apply.o run.o daemons.o)

# What includes a skeleton waits for it.
$(call objs,$(BPF_TEST_SRCS) agent/subsys/datapath.c): $(BPF_SKELS)
$(BUILD)/bench/xdp_bench.o: $(BPF_SKELS) $(BENCH_SKELS)
$(BUILD)/bench/xdp_bench.o: CFLAGS += -I$(BUILD)/bench
$(XDP_BENCH): $(BUILD)/bench/bpf_count.o $(BUILD)/agent/subsys/flowtab.o
bench-tools: $(XDP_BENCH) $(DPI_BENCH) $(FLOWFILL)
DPI_BENCH := $(BUILD)/bench/dpi_bench
$(DPI_BENCH): $(BUILD)/bench/dpi_bench.o $(LIBDPI)
	$(CC) $(LDFLAGS) -o $@ $^ $(DPI_LIBS)
# The datapath's BPF test makes its map entries with the loader's translation.
$(BUILD)/tests/test_bpf_datapath: $(BUILD)/agent/subsys/dpmap.o $(BUILD)/agent/subsys/flowtab.o
# and reads the mirror's ring with the agent's reader.
$(BUILD)/tests/test_bpf_datapath: $(addprefix $(BUILD)/agent/kernel/,mirring.o rxbatch.o afxdp.o) \
	$(BUILD)/agent/err.o
$(BUILD)/tests/test_bpf_datapath: BPF_LIBS += $(call lib,libxdp) -lpthread
# The property test reads the flow table as the agent does.
$(BUILD)/tests/test_bpf_property: $(BUILD)/agent/subsys/flowtab.o
# Flows written into a running agent's pinned table with the agent's code (the API tests,
# bench/load.sh).
$(FLOWFILL): $(BUILD)/tests/bpf/flowfill.o $(BUILD)/agent/subsys/flowtab.o
	$(CC) $(LDFLAGS) -o $@ $^ $(call lib,libbpf) -lelf -lz
# The AF_XDP test opens its socket with libxdp (xsk.h left libbpf for it).
$(BUILD)/tests/test_bpf_afxdp: BPF_LIBS += $(call lib,libxdp)

# The full example references secret files; git cannot keep their 0600 mode, so the
# demo keys are made here, never committed (config/examples/keys/ is ignored).
examples: config/examples/keys/.made
config/examples/keys/.made: scripts/example-keys.sh
	scripts/example-keys.sh config/examples/keys
	@touch $@

comma := ,
# Fuzzing (tests/fuzz/): libFuzzer harnesses with ASan and UBSan, built with clang whatever
# CC is (libFuzzer's runtime: Debian's libclang-rt-14-dev). `make test` runs each over its
# corpus and for a few seconds; `make fuzz` runs each for FUZZ_SECONDS.
FUZZ_CC ?= clang
FUZZ_FLAGS := -g -O1 -std=gnu11 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined \
	      -fno-sanitize-recover=undefined -I. -Iagent -I$(BUILD) $(PKG_CFLAGS)
FUZZ_NAMES := rules config afxdp nl_link nl_wg nl_macsec http frr
FUZZ_BINS := $(patsubst %,$(BUILD)/fuzz/fuzz_%,$(FUZZ_NAMES))
FUZZ_SECONDS ?= 300

$(BUILD)/fuzz/fuzz_rules: tests/fuzz/fuzz_rules.c gpu/rules.c gpu/rules.h | $(BUILD)/.deps
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $< $(call lib,libhs)
$(BUILD)/fuzz/fuzz_config: tests/fuzz/fuzz_config.c $(CONFIG_SRCS) $(wildcard agent/config/*.h) | $(BUILD)/.deps
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -o $@ $< $(CONFIG_SRCS) $(call lib,yaml-0.1 libcjson)

# The other harnesses link the agent's own code, built again with the fuzzer's coverage
# and the sanitizers, as one archive: a harness that includes the .c under test (to reach
# its static parsers) takes its symbols from there, the rest from the archive.
FUZZ_LIB_SRCS := $(filter-out agent/ztosd.c,$(ZTOSD_SRCS)) $(CONFIG_SRCS) $(DPI_SRCS)
FUZZ_LIB_OBJS := $(patsubst %.c,$(BUILD)/fuzz/obj/%.o,$(FUZZ_LIB_SRCS)) \
		 $(BUILD)/fuzz/obj/web_assets.o
FUZZ_LIB := $(BUILD)/fuzz/libztosd-fuzz.a
FUZZ_LIBS := $(ZTOSD_LIBS) $(call lib,libxdp) $(DPI_LIBS)
$(BUILD)/fuzz/obj/%.o: %.c | $(BUILD)/.deps $(BPF_SKELS)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(subst -fsanitize=fuzzer$(comma),-fsanitize=fuzzer-no-link$(comma),$(FUZZ_FLAGS)) \
		-DZTOS_VERSION='"$(VERSION)"' -MMD -MP -c -o $@ $<
$(BUILD)/fuzz/obj/web_assets.o: $(BUILD)/web_assets.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -O1 -I. -Iagent -c -o $@ $<
$(FUZZ_LIB): $(FUZZ_LIB_OBJS)
	$(AR) rcs $@ $^
$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_LIB)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -DZTOS_VERSION='"$(VERSION)"' -MMD -MP -o $@ $< $(FUZZ_LIB) \
		$(FUZZ_LIBS)

fuzz: $(FUZZ_BINS)
	BUILD=$(BUILD) FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/fuzz-test.sh


# Builds for the upgrade tests (tests/netns/upgrade-test.sh, the WireGuard and MACsec
# ones: tests/netns/wireguard-go-restart-test.sh, tests/vm/wireguard-restart-test.sh,
# tests/vm/macsec-test.sh; the VM sees them where they are), beside $(BUILD), never
# installed: the same sources as another version, and one whose map values have one more
# field (TEST_LAYOUT, bpf/ztos_common.h).
UPGRADE_BUILD := $(BUILD)-upgrade
LAYOUT_BUILD := $(BUILD)-layout
test-builds:
	$(MAKE) --no-print-directory BUILD=$(UPGRADE_BUILD) VERSION=$(VERSION)+upgrade \
		$(UPGRADE_BUILD)/ztosd
	$(MAKE) --no-print-directory BUILD=$(LAYOUT_BUILD) VERSION=$(VERSION)+layout TEST_LAYOUT=1 \
		$(LAYOUT_BUILD)/ztosd
.PHONY: test-builds

# make test and make demo install what they need (scripts/deps.sh); make alone does not.
test:
	scripts/deps.sh build test
	$(MAKE) --no-print-directory run-tests

ifeq ($(SAN),1)
# make test SAN=1: ztosd, ztos and the unit tests built with ASan and UBSan (in build-san,
# common.mk), and the layers that run them; a sanitizer report fails the test it came in.
SAN_LAYERS := unit config api cli netns
run-tests: $(BUILD)/ztosd $(BUILD)/ztos examples $(UNIT_BINS) $(FLOWFILL) test-builds
	SAN=1 LAYERS="$(SAN_LAYERS)" BUILD=$(BUILD) tests/run.sh $(if $(filter 1,$(BUSY)),--busy)
else
run-tests: all $(UNIT_BINS) $(BPF_TEST_BINS) $(FUZZ_BINS) $(FLOWFILL) test-builds
	BUILD=$(BUILD) tests/run.sh $(if $(filter 1,$(BUSY)),--busy)
endif

# make demo VM=1: the same fleet in the VM testbed (in-kernel WireGuard, MACsec, VRFs)
demo:
	scripts/deps.sh build demo $(if $(filter 1,$(VM)),vm)
	$(MAKE) --no-print-directory all
	$(if $(filter 1,$(VM)),scripts/demo-vm.sh,scripts/demo.sh)

install: all
	install -D -m 0755 $(BUILD)/ztosd $(DESTDIR)$(PREFIX)/sbin/ztosd
	install -D -m 0755 $(BUILD)/ztos $(DESTDIR)$(PREFIX)/bin/ztos
	$(if $(DPI_CUDA),install -D -m 0755 $(DPI_CUDA) $(DESTDIR)$(PREFIX)/lib/libztosdpi_cuda.so)
	install -D -m 0644 config/ztosd.service $(DESTDIR)$(UNITDIR)/ztosd.service
	install -D -m 0644 cli/ztos.bash-completion $(DESTDIR)/usr/share/bash-completion/completions/ztos
	install -d -m 0700 $(DESTDIR)$(SYSCONFDIR)/ztos
	test -e $(DESTDIR)$(SYSCONFDIR)/ztos/ztos.yaml || \
		install -m 0600 config/examples/minimal.yaml $(DESTDIR)$(SYSCONFDIR)/ztos/ztos.yaml

clean:
	rm -rf $(BUILD) $(UPGRADE_BUILD) $(LAYOUT_BUILD) config/examples/keys
