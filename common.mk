# SPDX-License-Identifier: GPL-2.0-only
# Every build rule lives here; the top Makefile only declares what to build from what.

BUILD ?= build$(if $(filter 1,$(SAN)),-san)
CC ?= cc
PKG_CONFIG ?= pkg-config

CFLAGS ?= -O2 -g
VERSION := 0.1.0
CFLAGS += -DZTOS_VERSION='"$(VERSION)"'
CFLAGS += -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter -Wshadow \
	  -Wformat=2 -Wstrict-prototypes -D_GNU_SOURCE -MMD -MP -Iagent -Ibpf -Igpu
ifeq ($(SAN),1)
CFLAGS += -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS += -fsanitize=address,undefined
endif

# Debian ships all of these; scripts/deps.sh installs them.
PKGS := yaml-0.1 libcjson libmicrohttpd libcurl
PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
CFLAGS += $(PKG_CFLAGS)
lib = $(shell $(PKG_CONFIG) --libs $(1) 2>/dev/null)

.DELETE_ON_ERROR:

# Install what is missing once, before anything compiles (a stamp keeps it cheap).
$(BUILD)/.deps: scripts/deps.sh
	@mkdir -p $(BUILD)
	@if ! scripts/deps.sh --check; then \
		echo "ztos: installing build dependencies (scripts/deps.sh)"; scripts/deps.sh; fi
	@touch $@

$(BUILD)/%.o: %.c | $(BUILD)/.deps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/%.a:
	@mkdir -p $(dir $@)
	$(AR) rcs $@ $^

objs = $(patsubst %.c,$(BUILD)/%.o,$(1))

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
.SECONDARY:
