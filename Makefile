# The two commands in the README do everything on a fresh Debian 12 machine:
#   make demo   - install what is missing, build, run the quickstart
#   make test   - install what is missing, build, run every test
# Other targets: make bench (Release build, figures as JSON), make fuzz, make tsan, make asan.

JOBS ?= $(shell nproc)
BUILD ?= build
CMAKE_FLAGS ?=
FUZZ_SECONDS ?= 600
export CCACHE_DIR ?= $(HOME)/.cache/ccache

.PHONY: all deps build test demo bench fuzz tsan asan clean

all: build

deps:
	@bash scripts/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

test: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

QUICKSTART := examples/quickstart
demo: build
	@test -s $(QUICKSTART)/telemetry.jsonl || python3 scripts/gen_telemetry.py $(QUICKSTART)/telemetry.jsonl
	@mkdir -p $(QUICKSTART)/out && rm -f $(QUICKSTART)/out/quarantine.jsonl
	@echo "== The whole 30 minutes of quickstart telemetry =="
	@SETPOINT_REDACTION_KEY=demo-key-not-a-secret $(BUILD)/runner/setpoint stats \
		--telemetry $(QUICKSTART)/telemetry.jsonl --config $(QUICKSTART)/setpoint.yaml --span 30m
	@echo
	@echo "== The last 5 minutes: payments got slower, inventory is failing =="
	@SETPOINT_REDACTION_KEY=demo-key-not-a-secret $(BUILD)/runner/setpoint stats \
		--telemetry $(QUICKSTART)/telemetry.jsonl --config $(QUICKSTART)/setpoint.yaml --span 5m

bench: deps
	@cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=ON >/dev/null
	@cmake --build build-release -j $(JOBS) --target setpoint_bench
	@build-release/tests/bench/setpoint_bench

fuzz: deps
	@CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSETPOINT_FUZZ=ON \
		-DSETPOINT_SANITIZE=address >/dev/null
	@cmake --build build-fuzz -j $(JOBS) --target event_parser_fuzz
	@mkdir -p fuzz-corpus && cp -n tests/fuzz/corpus/* fuzz-corpus/ 2>/dev/null || true
	@build-fuzz/tests/fuzz/event_parser_fuzz -max_total_time=$(FUZZ_SECONDS) -max_len=4096 fuzz-corpus

tsan: deps
	@cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSETPOINT_SANITIZE=thread >/dev/null
	@cmake --build build-tsan -j $(JOBS) --target setpoint_tests
	@build-tsan/tests/setpoint_tests "[concurrency]"

asan: deps
	@cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSETPOINT_SANITIZE=address >/dev/null
	@cmake --build build-asan -j $(JOBS) --target setpoint_tests setpoint_bindings_tests
	@build-asan/tests/setpoint_tests
	@build-asan/tests/setpoint_bindings_tests

clean:
	rm -rf build build-release build-fuzz build-tsan build-asan
