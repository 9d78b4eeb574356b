# Supportdesk build. `make run` serves the desk; `make test` runs every test layer.
SHELL = /bin/bash

CC      ?= cc
PKGS    = fcgi libpq hiredis libsodium jansson libcurl libcmark gmime-3.0
WARN    = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Wvla
HARDEN  = -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE
OPT     ?= -O2 -g
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CHECK_CFLAGS := $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS   := $(shell pkg-config --libs check 2>/dev/null)
CFLAGS  += -std=c11 -D_GNU_SOURCE $(WARN) $(HARDEN) $(OPT) -Isrc $(PKG_CFLAGS)
LDFLAGS += -pie -Wl,-z,relro,-z,now
LDLIBS  += $(PKG_LIBS) -lfcgi -lm

BUILD   ?= build
# One directory per module; every .c in it belongs to the library that the
# binary, the tests and the fuzz targets link.
MODULES = core http tmpl db kv auth pages model app mail sched api
LIB_SRC = $(foreach m,$(MODULES),$(wildcard src/$(m)/*.c))
LIB_OBJ = $(LIB_SRC:src/%.c=$(BUILD)/%.o)

UNIT_SRC = $(wildcard tests/unit/*.c)
INTEG_SRC = $(wildcard tests/integration/*.c) tests/harness/harness.c
E2E_SRC = $(wildcard tests/e2e/*.c)
FUZZ_SRC = $(wildcard tests/fuzz/fuzz_*.c)

.PHONY: all clean run test test-bins asan fuzz bench deps seed-scale check-templates
all: $(BUILD)/supportdesk

$(BUILD)/%.o: src/%.c
	@mkdir -p $(dir $@)
	@echo "CC $<"
	@$(CC) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/libsupportdesk.a: $(LIB_OBJ)
	@rm -f $@
	@ar rcs $@ $^

$(BUILD)/supportdesk: $(BUILD)/main.o $(BUILD)/libsupportdesk.a
	@echo "LD $@"
	@$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/test_unit: $(UNIT_SRC) $(BUILD)/libsupportdesk.a
	@echo "LD $@"
	@$(CC) $(CFLAGS) $(CHECK_CFLAGS) -Itests $(LDFLAGS) -o $@ $(UNIT_SRC) $(BUILD)/libsupportdesk.a $(LDLIBS) $(CHECK_LIBS)

$(BUILD)/test_integration: $(INTEG_SRC) $(BUILD)/libsupportdesk.a
	@echo "LD $@"
	@$(CC) $(CFLAGS) $(CHECK_CFLAGS) -Itests $(LDFLAGS) -o $@ $(INTEG_SRC) $(BUILD)/libsupportdesk.a $(LDLIBS) $(CHECK_LIBS)

$(BUILD)/test_e2e: $(E2E_SRC)
	@echo "LD $@"
	@$(CC) $(CFLAGS) $(CHECK_CFLAGS) -Itests $(LDFLAGS) -o $@ $(E2E_SRC) $(LDLIBS) $(CHECK_LIBS)

$(BUILD)/mustache_spec: tests/spec/mustache_spec.c
	@echo "LD $@"
	@$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LDLIBS)

test-bins: all $(BUILD)/test_unit $(BUILD)/test_integration $(BUILD)/mustache_spec $(if $(E2E_SRC),$(BUILD)/test_e2e)

# Unit tests again under AddressSanitizer and UndefinedBehaviorSanitizer.
asan:
	@$(MAKE) --no-print-directory BUILD=build-asan CC=clang \
	  OPT="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	  HARDEN="-fPIE" LDFLAGS="-fsanitize=address,undefined" build-asan/test_unit

# libFuzzer targets: every parser, linked against an instrumented library.
FUZZ_FLAGS = -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
fuzz:
	@$(MAKE) --no-print-directory BUILD=build-fuzz CC=clang OPT="$(FUZZ_FLAGS)" HARDEN="-fPIE" \
	  LDFLAGS="-fsanitize=address,undefined" build-fuzz/libsupportdesk.a
	@for f in $(FUZZ_SRC); do n=$$(basename $$f .c); echo "FUZZ $$n"; \
	  clang -std=c11 -D_GNU_SOURCE -Isrc $(PKG_CFLAGS) -O1 -g -fsanitize=fuzzer,address,undefined \
	    -o build-fuzz/$$n $$f build-fuzz/libsupportdesk.a $(LDLIBS) || exit 1; done

deps:
	@scripts/deps.sh

# deps may install the -dev packages, so the build runs in a fresh make that
# sees their pkg-config flags.
run: deps
	@$(MAKE) --no-print-directory all
	@scripts/run.sh

test: deps
	@$(MAKE) --no-print-directory test-bins asan fuzz
	@scripts/test.sh

bench: deps
	@$(MAKE) --no-print-directory all
	@scripts/bench.sh

N ?= 1000000
seed-scale: all
	@scripts/stack.sh seed-scale $(N)

clean:
	rm -rf build build-asan build-fuzz

-include $(LIB_OBJ:.o=.d) $(BUILD)/main.d
