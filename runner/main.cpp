// The setpoint executable: one subcommand per job, over 400 lines because every command's
// flags are declared here, in one place a reader scans for them.
#include <CLI/CLI.hpp>
#include <cmath>
#include <cstdio>
#include <map>

#include "commands/check_command.hpp"
#include "commands/client_command.hpp"
#include "commands/compare_command.hpp"
#include "commands/eval_command.hpp"
#include "commands/replay_command.hpp"
#include "commands/run_command.hpp"
#include "commands/simulate_command.hpp"
#include "commands/stats_command.hpp"
#include "commands/test_command.hpp"
#include "setpoint/base/json_text.hpp"
#include "setpoint/base/number_text.hpp"
#include "setpoint/base/utf8.hpp"

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

// A JSON object of the flags that were given (strings, and numbers where `numbers` says).
std::string body_of(const std::map<std::string, std::string>& fields,
                    const std::map<std::string, double>& numbers = {}) {
  std::string out = "{";
  for (const auto& [key, value] : fields) {
    if (value.empty()) continue;
    if (out.size() > 1) out += ",";
    setpoint::json_text::append_string(out, key);
    out += ":";
    setpoint::json_text::append_string(out, value);
  }
  for (const auto& [key, value] : numbers) {
    if (out.size() > 1) out += ",";
    setpoint::json_text::append_string(out, key);
    out += ":";
    setpoint::json_text::append_number(out, value);
  }
  return out + "}";
}

// What a person typed as a value, as JSON: a number, true/false, or else a string (a choice).
std::string typed_json(const std::string& text) {
  std::string out;
  if (text == "true" || text == "false") return text;
  if (const auto number = setpoint::parse_double(text); number && std::isfinite(*number)) {
    setpoint::json_text::append_number(out, *number);
    return out;
  }
  setpoint::json_text::append_string(out, text);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (!cpu_supported()) {
    std::fprintf(stderr,
                 "setpoint: this CPU lacks AVX2/BMI2 (x86-64-v3), which this build needs\n");
    return 1;
  }
  CLI::App app{"setpoint: guarded runtime feedback loops"};
  app.require_subcommand(1);

  setpoint::runner::StatsArgs stats;
  auto* stats_cmd =
      app.add_subcommand("stats", "Ingest a JSONL telemetry file and print its windows");
  stats_cmd->add_option("--telemetry", stats.telemetry, "JSON-lines telemetry file")->required();
  stats_cmd->add_option("--config", stats.config, "setpoint YAML config (telemetry section)");
  stats_cmd->add_option("--span", stats.span, "window span, e.g. 10s, 1m, 15m, 24h")
      ->capture_default_str();
  stats_cmd->add_flag("--json", stats.json, "print the snapshot as JSON");
  stats_cmd->add_option("--rejected", stats.rejected,
                        "write rejected lines, with their reasons, to this file");

  setpoint::runner::EvalArgs eval;
  auto* eval_cmd = app.add_subcommand(
      "eval", "Evaluate a policy once against a fixture and print its proposals");
  eval_cmd->add_option("policy", eval.policy, "the policy file (.lua)")->required();
  eval_cmd->add_option("--fixture", eval.fixture, "JSON: now, windows, params, state")->required();
  eval_cmd->add_option("--stdlib", eval.stdlib, "the stdlib folder (default: the source tree's)");
  eval_cmd->add_flag("--json", eval.json, "print the result as JSON");

  setpoint::runner::CheckArgs check;
  auto* check_cmd =
      app.add_subcommand("check", "Validate the config and every policy; report every problem");
  check_cmd->add_option("--config", check.config, "setpoint YAML config");
  check_cmd->add_option("--policies", check.policies, "the policies folder");
  check_cmd->add_option("--stdlib", check.stdlib, "the stdlib folder (default: the source tree's)");

  setpoint::runner::TestArgs test;
  auto* test_cmd =
      app.add_subcommand("test", "Run policies' *_test.lua files; ends with 'N passed, N failed'");
  test_cmd->add_option("paths", test.paths,
                       "test files or folders (default: policies/ and stdlib/)");
  test_cmd->add_option("--stdlib", test.stdlib, "the stdlib folder (default: the source tree's)");

  setpoint::runner::RunArgs run;
  auto* run_cmd = app.add_subcommand(
      "run", "Run the engine: telemetry, policies, guard, actuators, control plane");
  run_cmd->add_option("--config", run.config, "setpoint YAML config")->required();
  run_cmd->add_flag("--dry-run", run.dry_run,
                    "observe everywhere: log what would be done, touch nothing");
  run_cmd->add_option("--for", run.run_for, "stop cleanly after this long (e.g. 30s)");
  run_cmd->add_option("--listen", run.listen, "control plane host:port (overrides the config)");
  run_cmd->add_option("--stdlib", run.stdlib, "the stdlib folder (default: the source tree's)");

  setpoint::runner::ReplayArgs replay;
  auto* replay_cmd = app.add_subcommand(
      "replay", "Backtest: run the whole engine over recorded telemetry, in observe mode");
  replay_cmd->add_option("--config", replay.config, "setpoint YAML config")->required();
  replay_cmd->add_option("--telemetry", replay.telemetry, "JSON-lines telemetry file")->required();
  replay_cmd->add_option("--from", replay.from,
                         "first decision time (RFC 3339); earlier events only fill windows");
  replay_cmd->add_option("--to", replay.to, "last event time (RFC 3339)");
  replay_cmd->add_flag("--json", replay.json,
                       "decision records as JSON lines, then a summary object");
  replay_cmd->add_option("--stdlib", replay.stdlib,
                         "the stdlib folder (default: the source tree's)");
  replay_cmd->add_option("--history", replay.history,
                         "keep the replay's hourly history (kpi_hourly) in this new file "
                         "(default: a temporary file, removed at the end)");
  replay_cmd->add_option("--policies", replay.policies,
                         "replay this folder of policies instead of config's policies.dir");
  replay_cmd->add_option("--against", replay.against,
                         "a decision diff: run this folder too, on the same events and guard, and "
                         "print where it decides differently (exit 0 same, 1 different, 2 failed)");

  setpoint::runner::SimulateArgs simulate;
  auto* simulate_cmd =
      app.add_subcommand("simulate", "Run the engine in a closed loop with a simulated service");
  simulate_cmd->add_option("scenario", simulate.scenario, "the scenario (.yaml)")->required();
  simulate_cmd->add_flag("--json", simulate.json, "the figures as one JSON object");
  simulate_cmd->add_option("--state", simulate.state,
                           "slow scenarios: write the run's store here (a new file), to read its "
                           "cycles, bounds and drift events afterwards");
  simulate_cmd->add_option("--stdlib", simulate.stdlib,
                           "the stdlib folder (default: the source tree's)");

  setpoint::runner::CompareArgs compare;
  auto* compare_cmd = app.add_subcommand(
      "compare", "Compare two samples by hand: Mann-Whitney, Welch, Hodges-Lehmann, quantiles");
  compare_cmd->add_option("control", compare.control, "the control's values, one per line")
      ->required();
  compare_cmd->add_option("canary", compare.canary, "the canary's values, one per line")
      ->required();
  compare_cmd->add_flag("--json", compare.json, "the figures as one JSON object");

  // Control-plane clients.
  setpoint::runner::ClientArgs client;
  std::map<std::string, std::string> flags;
  std::string value;
  std::string version;
  bool last = false;
  bool replace_override = false;
  std::vector<CLI::App*> clients;
  const auto client_cmd = [&](const char* name, const char* help) {
    auto* cmd = app.add_subcommand(name, help);
    cmd->add_option("--url", client.url,
                    std::string("the engine's control plane (default: $SETPOINT_URL, else ") +
                        setpoint::runner::kDefaultUrl + ")");
    cmd->add_flag("--json", client.json, "print the engine's JSON answer, for machines");
    cmd->add_option("--timeout", client.timeout, "how long to wait for the whole answer")
        ->capture_default_str();
    cmd->description(std::string(help) + " (token from $SETPOINT_TOKEN)");
    clients.push_back(cmd);
    return cmd;
  };
  auto* state_cmd = client_cmd("state", "Windows per series: rates, error rate, percentiles");
  state_cmd->add_option("--span", flags["span"], "window span (default 1m)");
  auto* policies_cmd = client_cmd(
      "policies", "Policies: version, mode, last evaluation, errors, quarantine, shadows");
  std::string shadowed, shadow_reason;
  CLI::App* shadow_cmds[2];
  for (int i = 0; i < 2; ++i) {
    shadow_cmds[i] = policies_cmd->add_subcommand(
        i == 0 ? "promote" : "discard",
        i == 0 ? "Put a policy's shadow version live now, whatever it diverged"
               : "Drop a policy's shadow version; the live one keeps running");
    shadow_cmds[i]->fallthrough();  // --url, --json and --timeout are the policies command's
    shadow_cmds[i]->add_option("policy", shadowed, "the policy's name")->required();
    shadow_cmds[i]->add_option("--reason", shadow_reason, "why, in a sentence (recorded)");
  }
  client_cmd("params", "Parameters: value, bounds, version, last change, override, pauses");
  auto* decisions_cmd = client_cmd("decisions", "Decisions, newest first");
  decisions_cmd->add_option("--since", flags["since"], "RFC 3339 time or epoch seconds");
  decisions_cmd->add_option("--policy", flags["policy"], "only this policy's");
  decisions_cmd->add_option("--target", flags["target"],
                            "only those about this parameter or action");
  decisions_cmd->add_option("--verdict", flags["verdict"], "allow, clamp or block");
  decisions_cmd->add_option("--limit", flags["limit"],
                            "at most this many, the newest (default 100)");
  auto* mark_cmd = decisions_cmd->add_subcommand(
      "mark",
      "Mark a would-have-been decision (observe or advise mode) as a false positive, "
      "for setpoint review (recorded with the token's name)");
  mark_cmd->fallthrough();  // --url, --json and --timeout are the decisions command's
  std::string mark_id, mark_note;
  bool false_positive = false, clear_mark = false;
  mark_cmd->add_option("id", mark_id, "the decision's id (setpoint decisions lists them)")
      ->required();
  mark_cmd->add_flag("--false-positive", false_positive, "it would have been wrong to do");
  mark_cmd->add_flag("--clear", clear_mark, "lift the mark");
  mark_cmd->add_option("--note", mark_note, "why, in a sentence (recorded with the mark)");
  client_cmd("proposals", "Proposals waiting for approval");
  client_cmd("pauses", "Pauses in force, with their directions");
  auto* approve_cmd =
      client_cmd("approve", "Approve a pending proposal (vetted again now); says what was applied");
  approve_cmd->add_option("id", flags["id"], "the proposal's id")->required();
  auto* reject_cmd = client_cmd("reject", "Reject a pending proposal");
  reject_cmd->add_option("id", flags["id"], "the proposal's id")->required();
  auto* pause_cmd =
      client_cmd("pause", "Pause changes: everything, a policy, or a parameter (one direction)");
  auto* resume_cmd = client_cmd(
      "resume", "Lift pauses (of a parameter: every direction, unless --direction says one)");
  for (auto* cmd : {pause_cmd, resume_cmd}) {
    cmd->add_option("--scope", flags["scope"], "global, policy or parameter")
        ->check(CLI::IsMember({"global", "policy", "parameter"}));
    cmd->add_option("--name", flags["name"], "the policy or parameter");
    cmd->add_option("--direction", flags["direction"], "up, down or both (parameters)")
        ->check(CLI::IsMember({"up", "down", "both"}));
  }
  pause_cmd->add_option("--for", flags["for"], "until resumed if not given (e.g. 30m)");
  auto* override_cmd = client_cmd("override", "Pin a parameter to a value for a while");
  override_cmd->add_option("parameter", flags["parameter"])->required();
  override_cmd->add_option("value", value, "a number, true/false, or one of an enum's choices")
      ->required();
  override_cmd->add_option("--for", flags["for"], "how long (e.g. 30m)")->required();
  override_cmd->add_option("--reason", flags["reason"], "recorded with the change");
  auto* rollback_cmd = client_cmd(
      "rollback",
      "Put a parameter back to a value it had, then hold it there (engine.rollback_hold)");
  rollback_cmd->add_option("parameter", flags["parameter"])->required();
  auto* version_opt = rollback_cmd->add_option(
      "--version", version,
      "the decision that applied it: 42 or #42 (decision lines, setpoint params)");
  auto* last_opt = rollback_cmd->add_flag("--last", last,
                                          "the value before the parameter's last applied change");
  std::string to_version;
  auto* to_opt = rollback_cmd->add_option(
      "--to", to_version, "a version of its value (setpoint history lists them): 3f9a2c1b7e04");
  version_opt->excludes(last_opt);
  to_opt->excludes(version_opt);
  to_opt->excludes(last_opt);
  rollback_cmd->add_flag("--replace-override", replace_override,
                         "replace an operator's override (refused otherwise)");
  auto* release_cmd =
      client_cmd("release", "Lift a parameter's override or rollback hold before its time");
  release_cmd->add_option("parameter", flags["parameter"])->required();
  client_cmd("reload", "Read the policies folder again (each file's result: setpoint policies)");
  auto* autopilot_cmd = client_cmd(
      "autopilot", "The autopilot: its pause, the drift monitor's figures, operating bounds");
  bool resume_autopilot = false;
  autopilot_cmd->add_flag("--resume", resume_autopilot, "lift the drift monitor's pause");
  auto* cycles_cmd = client_cmd("cycles", "Autopilot cycles, newest first, with their impact");
  cycles_cmd->add_option("--policy", flags["cycle_policy"], "only this policy's");
  cycles_cmd->add_option("--status", flags["status"],
                         "running, completed, failed, timed_out, rolled_back or skipped");
  cycles_cmd->add_option("--limit", flags["cycle_limit"], "at most this many (default 50)");
  auto* history_cmd =
      client_cmd("history", "A parameter's versions: every value applied, newest first");
  history_cmd->add_option("parameter", flags["parameter"])->required();
  auto* rollouts_cmd =
      client_cmd("rollouts", "Rollouts of parameter changes: in flight, then the recent ones");
  auto* rollout_cmd = client_cmd("rollout", "Abort a rollout (roll it back now) or promote it");
  std::string rollout_verb;
  rollout_cmd->add_option("verb", rollout_verb, "abort or promote")
      ->required()
      ->check(CLI::IsMember({"abort", "promote"}));
  rollout_cmd->add_option("id", flags["rollout"], "the rollout's id (setpoint rollouts lists them)")
      ->required();
  (void)rollouts_cmd;
  bool markdown = false;
  auto* review_cmd = client_cmd(
      "review", "A dry-run review: what observe and advise mode would have done over a period");
  review_cmd->add_option("--since", flags["review_since"], "how far back (default 14d)");
  review_cmd->add_flag("--markdown", markdown, "the review as Markdown, for a review document");
  auto* triage_cmd = client_cmd(
      "triage", "The latest weekly triage report; with --since, the triage policies run now");
  triage_cmd->add_option("--since", flags["triage_since"],
                         "run the triage policies now over this span back (1h to 90d, e.g. 7d)");
  triage_cmd->add_flag("--markdown", markdown, "the report as Markdown, for a review document");
  auto* unfreeze_cmd =
      client_cmd("unfreeze", "Let autopilot cycles move a parameter frozen after rollbacks");
  unfreeze_cmd->add_option("parameter", flags["parameter"])->required();

  // A word that names no command: CLI11 would say only "A subcommand is required".
  if (argc > 1 && argv[1][0] != '-') {
    bool known = false;
    std::string names;
    for (const auto* sub : app.get_subcommands({})) {
      known = known || sub->get_name() == argv[1];
      names += (names.empty() ? "" : ", ") + sub->get_name();
    }
    if (!known) {
      std::fprintf(stderr,
                   "setpoint: \"%s\" is not a command; the commands are %s (setpoint --help)\n",
                   setpoint::utf8::printable(argv[1], 100).c_str(), names.c_str());
      return 2;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (*stats_cmd) return setpoint::runner::run_stats(stats);
  if (*compare_cmd) return setpoint::runner::run_compare(compare);
  if (*eval_cmd) return setpoint::runner::run_eval(eval);
  if (*check_cmd) return setpoint::runner::run_check(check);
  if (*test_cmd) return setpoint::runner::run_test(test);
  if (*run_cmd) return setpoint::runner::run_daemon(run);
  if (*replay_cmd) {
    const std::pair<const char*, const std::string*> folders[] = {{"--policies", &replay.policies},
                                                                  {"--against", &replay.against}};
    for (const auto& [flag, folder] : folders) {
      if (replay_cmd->count(flag) > 0 && folder->empty()) {
        std::fprintf(stderr, "setpoint replay: %s is empty: give a folder of policies\n", flag);
        return 2;
      }
    }
    return setpoint::runner::run_replay(replay);
  }
  if (*simulate_cmd) return setpoint::runner::run_simulate(simulate);
  for (auto* cmd : clients) {
    if (!*cmd) continue;
    client.command = cmd->get_name();
    if (cmd == policies_cmd && (*shadow_cmds[0] || *shadow_cmds[1])) {
      client.command = *shadow_cmds[0] ? "policy-promote" : "policy-discard";
      client.positional = {shadowed};
      std::string body = "{";
      if (!shadow_reason.empty())
        setpoint::json_text::append_string(body += "\"reason\":", shadow_reason);
      client.body = body + "}";
    } else if (cmd == decisions_cmd && *mark_cmd) {
      if (false_positive == clear_mark) {
        std::fprintf(stderr, "setpoint decisions mark: give one of --false-positive and --clear\n");
        return 2;
      }
      client.command = "decision-mark";
      client.positional = {mark_id};
      std::string body = clear_mark ? "{\"false_positive\":false" : "{\"false_positive\":true";
      if (!mark_note.empty()) setpoint::json_text::append_string(body += ",\"note\":", mark_note);
      client.body = body + "}";
    } else if (cmd == review_cmd) {
      if (markdown && client.json) {
        std::fprintf(stderr, "setpoint review: --markdown or --json, not both\n");
        return 2;
      }
      client.markdown = markdown;
      if (review_cmd->count("--since") > 0 && flags["review_since"].empty()) {
        std::fprintf(stderr, "setpoint review: --since is empty: give a span like 14d\n");
        return 2;
      }
      if (!flags["review_since"].empty()) client.query["since"] = flags["review_since"];
    } else if (cmd == state_cmd || cmd == decisions_cmd) {
      for (const auto& [key, v] : flags) {
        if (!v.empty()) client.query[key] = v;
      }
    } else if (cmd == approve_cmd || cmd == reject_cmd) {
      client.positional = {flags["id"]};
    } else if (cmd == pause_cmd) {
      client.body = body_of({{"scope", flags["scope"]},
                             {"name", flags["name"]},
                             {"direction", flags["direction"]},
                             {"for", flags["for"]}});
    } else if (cmd == resume_cmd) {
      client.body = body_of(
          {{"scope", flags["scope"]}, {"name", flags["name"]}, {"direction", flags["direction"]}});
    } else if (cmd == override_cmd) {
      client.body = body_of(
          {{"parameter", flags["parameter"]}, {"for", flags["for"]}, {"reason", flags["reason"]}});
      client.body.insert(client.body.size() - 1, std::string(client.body.size() > 2 ? "," : "") +
                                                     "\"value\":" + typed_json(value));
    } else if (cmd == release_cmd || cmd == history_cmd || cmd == unfreeze_cmd) {
      client.positional = {flags["parameter"]};
    } else if (cmd == cycles_cmd) {
      const std::pair<const char*, const char*> keys[] = {
          {"cycle_policy", "policy"}, {"status", "status"}, {"cycle_limit", "limit"}};
      for (const auto& [flag, key] : keys) {
        if (!flags[flag].empty()) client.query[key] = flags[flag];
      }
    } else if (cmd == triage_cmd) {
      if (markdown && client.json) {
        std::fprintf(stderr, "setpoint triage: --markdown or --json, not both\n");
        return 2;
      }
      client.markdown = markdown;
      if (!flags["triage_since"].empty()) {
        client.command = "triage-run";
        client.body = body_of({{"since", flags["triage_since"]}});
      }
    } else if (cmd == rollout_cmd) {
      client.command = "rollout-" + rollout_verb;
      client.positional = {flags["rollout"]};
    } else if (cmd == autopilot_cmd && resume_autopilot) {
      client.command = "autopilot-resume";
    } else if (cmd == rollback_cmd) {
      if (version.empty() && !last && to_version.empty()) {
        std::fprintf(stderr,
                     "setpoint rollback: give --to VERSION (setpoint history lists them), "
                     "--version ID (the decision that applied the value) or --last\n");
        return 2;
      }
      client.positional = {flags["parameter"]};
      std::string body = "{";
      if (last)
        body += "\"last\":true";
      else if (!to_version.empty())
        setpoint::json_text::append_string(body += "\"to\":", to_version);
      else
        setpoint::json_text::append_string(body += "\"version\":", version);
      if (replace_override) body += ",\"replace_override\":true";
      client.body = body + "}";
    }
    return setpoint::runner::run_client(client);
  }
  return 2;
}
