# SPDX-License-Identifier: GPL-2.0-only
# Every build rule lives here; the top Makefile only declares what to build from what.

BUILD ?= build$(if $(filter 1,$(SAN)),-san)
CC ?= cc
PKG_CONFIG ?= pkg-config

CFLAGS ?= -O2 -g
# What ztosd and ztos say they are (/api/v1/status, ztos_build_info). `make VERSION=...`
# builds the same sources as another version: the upgrade test starts one over the other.
VERSION := 0.1.0
CFLAGS += -DZTOS_VERSION='"$(VERSION)"'
# TEST_LAYOUT=1, for tests only (never installed, never the normal build): flow and tenant
# counter values one field longer (bpf/ztos_common.h), the map layout change a new field
# makes, for the upgrade test to migrate.
ifeq ($(TEST_LAYOUT),1)
CFLAGS += -DZTOS_TEST_LAYOUT=1
endif
CFLAGS += -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter -Wshadow \
	  -Wformat=2 -Wstrict-prototypes -D_GNU_SOURCE -MMD -MP -I. -Iagent -I$(BUILD)
# SAN=1: ASan and UBSan (make test SAN=1 runs the suites on it). At -O1 GCC warns of
# snprintf truncations the messages intend (cut to their buffer): not an error there.
ifeq ($(SAN),1)
CFLAGS += -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all \
	  -Wno-format-truncation
LDFLAGS += -fsanitize=address,undefined
endif

# Debian ships all of these; scripts/deps.sh installs them.
PKGS := yaml-0.1 libcjson libmicrohttpd libcurl libnl-route-3.0 libnl-genl-3.0 libhs libsodium
PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
CFLAGS += $(PKG_CFLAGS)
lib = $(shell $(PKG_CONFIG) --libs $(1) 2>/dev/null)

.DELETE_ON_ERROR:

# Building never changes the host: a missing build package is named, not installed
# (scripts/deps.sh installs; make test and make demo call it). A stamp keeps it cheap.
$(BUILD)/.deps: scripts/deps.sh
	@mkdir -p $(BUILD)
	@scripts/deps.sh --check build
	@touch $@

$(BUILD)/%.o: %.c | $(BUILD)/.deps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/%.a:
	@mkdir -p $(dir $@)
	$(AR) rcs $@ $^

objs = $(patsubst %.c,$(BUILD)/%.o,$(1))

# CUDA (gpu/*.cu): sm_90 code plus PTX for later GPUs; cudart static, so the shared
# object needs only the driver where it runs.
NVCC_FLAGS ?= -O3 -std=c++17 -lineinfo
NVCC_FLAGS += -shared -Xcompiler -fPIC,-fvisibility=hidden -cudart static -Igpu \
	      -gencode arch=compute_90,code=sm_90 -gencode arch=compute_90,code=compute_90

# BPF: CO-RE objects against bpf/vmlinux.h (committed; `make vmlinux` dumps it again from
# the running kernel's BTF), and a libbpf skeleton per object (build/bpf/ztos_xdp.skel.h:
# struct ztos_xdp, ztos_xdp__open()).
CLANG ?= clang
BPFTOOL ?= bpftool
BPF_CFLAGS ?= -g -O2
BPF_CFLAGS += -target bpf -D__TARGET_ARCH_x86 -Ibpf -Wall -Werror -MMD -MP
ifeq ($(TEST_LAYOUT),1)
BPF_CFLAGS += -DZTOS_TEST_LAYOUT=1
endif
BPF_LIBS = $(call lib,libbpf) -lelf -lz

vmlinux:
	{ sed -n '1,/^ \*\//p' bpf/vmlinux.h | sed "s/Linux [^ ]* x86_64/Linux $$(uname -r) x86_64/"; \
	  $(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c; } >bpf/vmlinux.h.new
	mv bpf/vmlinux.h.new bpf/vmlinux.h
.PHONY: vmlinux

$(BUILD)/%.bpf.o: %.bpf.c | $(BUILD)/.deps
	@mkdir -p $(dir $@)
	$(CLANG) $(BPF_CFLAGS) -c -o $@ $<

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(BPFTOOL) gen skeleton $< name $(notdir $*) >$@

# BPF tests (tests/bpf/test_*.c): libbpf and the skeletons, run as root by tests/run.sh.
$(BUILD)/tests/%: $(BUILD)/tests/bpf/%.o
	$(CC) $(LDFLAGS) -o $@ $^ $(BPF_LIBS)

$(BUILD)/bench/%: $(BUILD)/bench/%.o
	$(CC) $(LDFLAGS) -o $@ $^ $(BPF_LIBS)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
.SECONDARY:
