#include "commands/review_text.hpp"

#include "commands/report_writer.hpp"

namespace setpoint::runner {
namespace {

using json = nlohmann::json;

// "cooldown 20, bounds 3" from { reason = count }.
std::string reasons(const ReportWriter& w, const json& by) {
  if (!by.is_object() || by.empty()) return "-";
  std::string s;
  for (const auto& [reason, count] : by.items())
    s += (s.empty() ? "" : ", ") + w.text(reason, 60) + " " + w.text(count);
  return s;
}

// A share as a percentage with one decimal, "-" for none.
std::string percent(const json& x) {
  if (!x.is_number()) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f %%", 100 * x.get<double>());
  return buf;
}

// A step as people read it: 6.0417, 0.05, 25.
std::string short_number(const json& x) {
  if (!x.is_number()) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.5g", x.get<double>());
  return buf;
}

std::string one_decimal(const json& x) {
  if (!x.is_number()) return "-";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", x.get<double>());
  return buf;
}

void policy_section(ReportWriter& w, const json& p) {
  const json& mode = report_at(p, "mode_now");
  w.heading(w.text(report_at(p, "policy")) + " (" +
            (mode.is_string() ? w.text(mode) + " now" : std::string("not loaded now")) + ")");
  w.line("would have acted " + w.text(report_at(p, "would_act")) +
         " time(s); the guard would have " + "blocked " + w.text(report_at(p, "blocked")) + " (" +
         reasons(w, report_at(p, "blocked_by")) + "); marked false positive " +
         w.text(report_at(p, "false_positives")) + " (" +
         percent(report_at(p, "false_positive_rate")) + ")");
  w.line("");
  w.header({"target", "would act", "per day", "up", "down", "mean step", "max step", "mean step %",
            "blocked", "false positives"});
  const json& targets = report_at(p, "targets");
  if (!targets.is_array()) return;
  for (const auto& t : targets) {
    const json& pct = report_at(t, "mean_step_pct");
    w.row({w.text(report_at(t, "target"), 100), w.text(report_at(t, "would_act")),
           one_decimal(report_at(t, "per_day")), w.text(report_at(t, "up")),
           w.text(report_at(t, "down")), short_number(report_at(t, "mean_step")),
           short_number(report_at(t, "max_step")), pct.is_number() ? one_decimal(pct) + " %" : "-",
           w.text(report_at(t, "blocked")) +
               (report_at(t, "blocked").is_number() && report_at(t, "blocked").get<double>() > 0
                    ? " (" + reasons(w, report_at(t, "blocked_by")) + ")"
                    : ""),
           w.text(report_at(t, "false_positives"))});
  }
  const json& marks = report_at(p, "marks");
  if (!marks.is_array() || marks.empty()) return;
  w.line("");
  w.line("Marked as false positives (newest first):");
  for (const auto& m : marks) {
    const std::string note =
        report_at(m, "note").is_string() && !report_at(m, "note").get<std::string>().empty()
            ? ": " + w.text(report_at(m, "note"), 500)
            : "";
    w.line(std::string(w.markdown() ? "- " : "  ") + "#" + w.text(report_at(m, "decision")) + " " +
           w.text(report_at(m, "target"), 100) + " by " + w.text(report_at(m, "by"), 100) + " at " +
           w.text(report_at(m, "at")) + note);
  }
}

}  // namespace

std::string review_text(const json& review, bool markdown) {
  ReportWriter w(markdown);
  const std::string title = "Dry-run review " + w.text(report_at(review, "since")) + " to " +
                            w.text(report_at(review, "until"));
  w.line(markdown ? "# " + title : title);
  w.line("");
  w.line(
      "What observe and advise mode would have done; nothing here was applied. Mark a "
      "decision that would have been wrong with `setpoint decisions mark ID --false-positive`.");
  if (const json& n = report_at(review, "unreadable_records");
      n.is_number() && n.get<double>() > 0) {
    w.line("");
    w.line(w.text(n) + " record(s) of the period could not be read (not JSON): not counted here.");
  }
  const json& policies = report_at(review, "policies");
  if (!policies.is_array() || policies.empty()) {
    w.line("");
    w.line("No would-have-been decisions in this period.");
    return w.take();
  }
  for (const auto& p : policies) policy_section(w, p);
  return w.take();
}

}  // namespace setpoint::runner
