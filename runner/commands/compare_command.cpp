#include "commands/compare_command.hpp"

#include <cmath>
#include <cstdio>
#include <iostream>

#include "commands/recorded_telemetry.hpp"
#include "setpoint/base/json_text.hpp"
#include "setpoint/base/number_text.hpp"
#include "setpoint/base/utf8.hpp"
#include "setpoint/stats/comparison.hpp"

namespace setpoint::runner {
namespace {

constexpr std::size_t kMaxLineBytes = 256;  // a number never needs more

// The numbers of one file, or the first line that is not one.
class SampleFile : public LineSink {
 public:
  void line(std::string_view text, SourcePos pos) override {
    if (!error_.empty()) return;
    // A spreadsheet's export may begin with a byte-order mark: it is no part of the number.
    if (pos.line == 1 && text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r'))
      text.remove_suffix(1);
    if (text.empty() || text.front() == '#') return;
    const auto value = parse_double(text);
    if (!value && text.find("\xEF\xBB\xBF") != std::string_view::npos) {  // invisible when printed
      error_ = pos.str() + ": a byte-order mark (U+FEFF) inside the file, not at its start";
    } else if (!value) {
      error_ = pos.str() + ": \"" + utf8::printable(text, 40) + "\" is not a number";
    } else if (!std::isfinite(*value)) {
      error_ = pos.str() + ": \"" + utf8::printable(text, 40) + "\" is not a finite number";
    } else {
      values_.push_back(*value);
    }
  }
  void line_too_long(std::uint64_t, SourcePos pos, std::string_view) override {
    if (error_.empty()) {
      error_ = pos.str() + ": the line is longer than " + std::to_string(kMaxLineBytes) +
               " bytes; one number per line";
    }
  }
  std::vector<double>& values() { return values_; }
  const std::string& error() const { return error_; }

 private:
  std::vector<double> values_;
  std::string error_;
};

// The sample in `path`: its values, or the exit code after saying why not.
struct Loaded {
  std::optional<stats::Sample> sample;
  int code = 0;
};
Loaded load(const std::string& path) {
  SampleFile file;
  const std::string unread = read_recorded(path, kMaxLineBytes, file);
  if (!unread.empty()) {
    std::cerr << "setpoint compare: " << unread << "\n";
    return {std::nullopt, 1};
  }
  if (!file.error().empty()) {
    std::cerr << "setpoint compare: " << file.error() << "\n";
    return {std::nullopt, 2};
  }
  if (file.values().empty()) {
    std::cerr << "setpoint compare: " << utf8::printable(path) << ": no numbers in the file (only "
              << "blank lines and comments)\n";
    return {std::nullopt, 2};
  }
  auto sample = stats::Sample::of(std::move(file.values()), utf8::printable(path));
  if (!sample) {
    std::cerr << "setpoint compare: " << sample.error() << "\n";
    return {std::nullopt, 2};
  }
  return {std::move(sample).value(), 0};
}

void field(std::string& out, const char* key, double value) {
  json_text::append_string(out, key);
  out += ':';
  json_text::append_number(out, value);
}

void quantiles_json(std::string& out, const char* key, const stats::Quantiles& q) {
  json_text::append_string(out, key);
  out += ":{";
  field(out, "p50", q.p50);
  out += ',';
  field(out, "p90", q.p90);
  out += ',';
  field(out, "p95", q.p95);
  out += ',';
  field(out, "p99", q.p99);
  out += '}';
}

std::string to_json(const stats::Comparison& c) {
  const auto& mw = c.mann_whitney;
  const double nan = std::nan("");
  std::string out = "{";
  out += "\"n_control\":";
  json_text::append_number(out, static_cast<std::uint64_t>(mw.n_control));
  out += ",\"n_canary\":";
  json_text::append_number(out, static_cast<std::uint64_t>(mw.n_canary));
  out += ',';
  field(out, "u", mw.u);
  out += ',';
  field(out, "p_two_sided", mw.p_two_sided);
  out += ',';
  field(out, "p_two_sided_exact", mw.p_two_sided_exact.value_or(nan));
  out += ',';
  field(out, "p_greater", mw.p_greater);
  out += ',';
  field(out, "p_less", mw.p_less);
  out += ",\"welch\":{";
  field(out, "t", c.welch ? c.welch->t : nan);
  out += ',';
  field(out, "p", c.welch ? c.welch->p : nan);
  out += ',';
  field(out, "df", c.welch ? c.welch->df : nan);
  out += "},";
  field(out, "hodges_lehmann", c.hodges_lehmann.estimate);
  out += ",\"hl_ci\":[";
  json_text::append_number(out, c.hodges_lehmann.lo);
  out += ',';
  json_text::append_number(out, c.hodges_lehmann.hi);
  out += "],\"quantiles\":{";
  quantiles_json(out, "control", c.control);
  out += ',';
  quantiles_json(out, "canary", c.canary);
  out += "}}";
  return out;
}

std::string number(double x) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.6g", x);
  return buf;
}

std::string p_value(double p) { return p < 1e-300 ? "< 1e-300" : number(p); }

void print_text(const stats::Comparison& c, const stats::Sample& control,
                const stats::Sample& canary) {
  const auto& mw = c.mann_whitney;
  std::printf("%-10s %14s %14s\n", "", "control", "canary");
  std::printf("%-10s %14zu %14zu\n", "n", mw.n_control, mw.n_canary);
  std::printf("%-10s %14s %14s\n", "mean", number(control.mean()).c_str(),
              number(canary.mean()).c_str());
  const std::pair<const char*, double stats::Quantiles::*> rows[] = {
      {"p50", &stats::Quantiles::p50},
      {"p90", &stats::Quantiles::p90},
      {"p95", &stats::Quantiles::p95},
      {"p99", &stats::Quantiles::p99}};
  for (const auto& [name, member] : rows) {
    std::printf("%-10s %14s %14s\n", name, number(c.control.*member).c_str(),
                number(c.canary.*member).c_str());
  }
  std::printf("\nMann-Whitney U (control) %s%s\n", number(mw.u).c_str(),
              mw.ties ? ", with ties (midranks, tie-corrected)" : "");
  std::printf("  p two-sided %s", p_value(mw.p_two_sided).c_str());
  if (mw.p_two_sided_exact) std::printf(" (exact %s)", p_value(*mw.p_two_sided_exact).c_str());
  std::printf("\n  p control greater %s, p control less %s\n", p_value(mw.p_greater).c_str(),
              p_value(mw.p_less).c_str());
  if (c.welch) {
    std::printf("Welch t %s, df %s, p two-sided %s\n", number(c.welch->t).c_str(),
                number(c.welch->df).c_str(), p_value(c.welch->p).c_str());
  } else {
    std::printf("Welch: %s\n", c.welch.error().c_str());
  }
  std::printf("Hodges-Lehmann shift (canary - control) %s, %g %% interval [%s, %s]\n",
              number(c.hodges_lehmann.estimate).c_str(), 100 * c.hodges_lehmann.level,
              number(c.hodges_lehmann.lo).c_str(), number(c.hodges_lehmann.hi).c_str());
}

}  // namespace

int run_compare(const CompareArgs& args) {
  auto control = load(args.control);
  if (!control.sample) return control.code;
  auto canary = load(args.canary);
  if (!canary.sample) return canary.code;
  const auto comparison = stats::compare(*control.sample, *canary.sample);
  if (args.json) {
    std::cout << to_json(comparison) << "\n";
  } else {
    print_text(comparison, *control.sample, *canary.sample);
  }
  return 0;
}

}  // namespace setpoint::runner
