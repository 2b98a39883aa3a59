# The two commands in the README do everything on a fresh Debian 12 machine:
#   make demo   - install what is missing, build, run the quickstart
#   make test   - install what is missing, build, run every test
# Other targets: make bench (Release build, figures as JSON), make fuzz (FUZZ_SECONDS per
# target), make tsan, make asan (every C++ test under AddressSanitizer, the runner's too).

JOBS ?= $(shell nproc)
BUILD ?= build
CMAKE_FLAGS ?=
FUZZ_SECONDS ?= 600
export CCACHE_DIR ?= $(HOME)/.cache/ccache
# Paths inside the checkout are hashed relative to it, so a second clone (CI's, a new user's)
# hits the cache the first one filled instead of compiling everything again.
export CCACHE_BASEDIR ?= $(CURDIR)

.PHONY: all deps build test demo bench fuzz tsan asan clean

all: build

deps:
	@bash scripts/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS) -- --no-print-directory

# Then core's and the bindings' tests again under AddressSanitizer: the state codec, the hostile
# policy corpus and the parsers are where memory goes wrong (make asan adds the runner's).
test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)
	@echo "== under AddressSanitizer: core and bindings =="
	@cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSETPOINT_SANITIZE=address >/dev/null
	@cmake --build build-asan -j $(JOBS) --target setpoint_tests setpoint_bindings_tests
	@build-asan/tests/setpoint_tests
	@build-asan/tests/setpoint_bindings_tests

QUICKSTART := examples/quickstart
demo: build
	@rm -rf $(QUICKSTART)/out && mkdir -p $(QUICKSTART)/out
	@echo '{"max_concurrency": 100, "timeout_ms": 1000}' > $(QUICKSTART)/out/checkout.json
	@echo "== Setpoint quickstart: 3 policies, live traffic, dry-run for 30 s =="
	@echo "   checkout is healthy, then overloaded from about 5 s to 12 s (inventory fails too), then recovers."
	@echo "   Every line 'decision:' is what Setpoint would have done. Nothing is touched (dry-run)."
	@echo
	@python3 scripts/demo_traffic.py $(QUICKSTART)/out/live.jsonl --seconds 34 & \
	  trap 'kill $$! 2>/dev/null' EXIT; sleep 0.5; \
	  export SETPOINT_TOKEN=$${SETPOINT_TOKEN:-$$(python3 -c 'import secrets; print(secrets.token_hex(16))')}; \
	  $(BUILD)/runner/setpoint run --config $(QUICKSTART)/setpoint.yaml --dry-run --for 32s
	@echo
	@echo "Decisions are in $(QUICKSTART)/out/decisions.jsonl and $(QUICKSTART)/out/setpoint.db;"
	@echo "examples/quickstart/README.md explains what you saw and how to go from dry-run to enforce."

bench: deps
	@cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=ON >/dev/null
	@cmake --build build-release -j $(JOBS) --target setpoint_bench
	@build-release/tests/bench/setpoint_bench

# Each target for FUZZ_SECONDS: the telemetry parser, then ctx.state's codec.
fuzz: deps
	@CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSETPOINT_FUZZ=ON \
		-DSETPOINT_SANITIZE=address >/dev/null
	@cmake --build build-fuzz -j $(JOBS) --target event_parser_fuzz state_codec_fuzz
	@mkdir -p fuzz-corpus/event_parser fuzz-corpus/state_codec && cp -n tests/fuzz/corpus/* fuzz-corpus/event_parser/ 2>/dev/null || true
	@build-fuzz/tests/fuzz/event_parser_fuzz -max_total_time=$(FUZZ_SECONDS) -max_len=4096 fuzz-corpus/event_parser
	@build-fuzz/tests/fuzz/state_codec_fuzz -max_total_time=$(FUZZ_SECONDS) -max_len=4096 fuzz-corpus/state_codec

tsan: deps
	@cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSETPOINT_SANITIZE=thread >/dev/null
	@cmake --build build-tsan -j $(JOBS) --target setpoint_tests
	@build-tsan/tests/setpoint_tests "[concurrency]"

asan: deps
	@cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSETPOINT_SANITIZE=address >/dev/null
	@cmake --build build-asan -j $(JOBS) --target setpoint_tests setpoint_bindings_tests setpoint_runner_tests setpoint
	@build-asan/tests/setpoint_tests
	@build-asan/tests/setpoint_bindings_tests
	@build-asan/tests/runner/setpoint_runner_tests

clean:
	rm -rf build build-release build-fuzz build-tsan build-asan
