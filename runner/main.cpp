// The setpoint executable: one subcommand per job.
#include <CLI/CLI.hpp>

#include <cstdio>

#include "check_command.hpp"
#include "eval_command.hpp"
#include "stats_command.hpp"
#include "test_command.hpp"

namespace {

// The telemetry parser is built for x86-64-v3 (see core/CMakeLists.txt): say so plainly on an
// older CPU instead of dying of an illegal instruction.
bool cpu_supported() {
#if defined(__x86_64__)
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi2");
#else
  return true;
#endif
}

}  // namespace

int main(int argc, char** argv) {
  if (!cpu_supported()) {
    std::fprintf(stderr, "setpoint: this CPU lacks AVX2/BMI2 (x86-64-v3), which this build needs\n");
    return 1;
  }
  CLI::App app{"setpoint: guarded runtime feedback loops"};
  app.require_subcommand(1);

  setpoint::runner::StatsArgs stats;
  auto* stats_cmd = app.add_subcommand("stats", "Ingest a JSONL telemetry file and print its windows");
  stats_cmd->add_option("--telemetry", stats.telemetry, "JSON-lines telemetry file")->required();
  stats_cmd->add_option("--config", stats.config, "setpoint YAML config (telemetry section)");
  stats_cmd->add_option("--span", stats.span, "window span, e.g. 10s, 1m, 15m, 24h")->capture_default_str();
  stats_cmd->add_flag("--json", stats.json, "print the snapshot as JSON");

  setpoint::runner::EvalArgs eval;
  auto* eval_cmd = app.add_subcommand("eval", "Evaluate a policy once against a fixture and print its proposals");
  eval_cmd->add_option("policy", eval.policy, "the policy file (.lua)")->required();
  eval_cmd->add_option("--fixture", eval.fixture, "JSON: now, windows, params, state")->required();
  eval_cmd->add_option("--stdlib", eval.stdlib, "the stdlib folder (default: the source tree's)");
  eval_cmd->add_flag("--json", eval.json, "print the result as JSON");

  setpoint::runner::CheckArgs check;
  auto* check_cmd = app.add_subcommand("check", "Validate the config and every policy; report every problem");
  check_cmd->add_option("--config", check.config, "setpoint YAML config");
  check_cmd->add_option("--policies", check.policies, "the policies folder");
  check_cmd->add_option("--stdlib", check.stdlib, "the stdlib folder (default: the source tree's)");

  setpoint::runner::TestArgs test;
  auto* test_cmd = app.add_subcommand("test", "Run policies' *_test.lua files; ends with 'N passed, N failed'");
  test_cmd->add_option("paths", test.paths, "test files or folders (default: policies/ and stdlib/)");
  test_cmd->add_option("--stdlib", test.stdlib, "the stdlib folder (default: the source tree's)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (*stats_cmd) return setpoint::runner::run_stats(stats);
  if (*eval_cmd) return setpoint::runner::run_eval(eval);
  if (*check_cmd) return setpoint::runner::run_check(check);
  if (*test_cmd) return setpoint::runner::run_test(test);
  return 2;
}
