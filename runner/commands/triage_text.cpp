#include "commands/triage_text.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include "commands/report_writer.hpp"
#include "setpoint/base/json_document.hpp"
#include "setpoint/base/utf8.hpp"

namespace setpoint::runner {
namespace {

using json = nlohmann::json;

// "checkout.max_concurrency (3), checkout.timeout_ms (1)" from { name = count }.
std::string counts_of(const ReportWriter& w, const json& by) {
  if (!by.is_object() || by.empty()) return "-";
  std::string s;
  std::size_t shown = 0;
  for (const auto& [name, count] : by.items()) {
    if (++shown > 12) {
      s += ", …";
      break;
    }
    s += (s.empty() ? "" : ", ") + w.text(name, 100) + " (" + w.text(count) + ")";
  }
  return s;
}

void categories(ReportWriter& w, const json& report) {
  w.heading("Failures by category");
  const json& cats = report_at(report, "categories");
  if (!cats.is_object() || cats.empty()) {
    w.line("Nothing went wrong in this period.");
    return;
  }
  w.header({"category", "count", "parameters", "by reason"});
  for (const auto& [name, c] : cats.items())
    w.row({w.text(name, 100), w.text(report_at(c, "count")),
           counts_of(w, report_at(c, "parameters")), counts_of(w, report_at(c, "by_reason"))});
}

void worst(ReportWriter& w, const json& report) {
  const json& list = report_at(report, "worst");
  w.heading("Worst incidents");
  if (!list.is_array() || list.empty()) {
    w.line("None.");
    return;
  }
  int n = 0;
  for (const auto& i : list) {
    w.line(std::to_string(++n) + ". " + w.text(report_at(i, "when")) + " " +
           w.text(report_at(i, "kind")) + " " + w.text(report_at(i, "target")) + ": " +
           w.text(report_at(i, "detail"), 500));
    const json& d = report_at(i, "decision_record");
    if (d.is_object())
      w.line(
          std::string(w.markdown() ? "   - " : "     ") + "decision " + w.text(report_at(d, "id")) +
          " by " + w.text(report_at(d, "policy")) + ", " + w.text(report_at(d, "outcome")) + ": " +
          w.text(report_at(d, "explain"), 300) +
          (report_at(d, "reason").is_string() && !report_at(d, "reason").get<std::string>().empty()
               ? " (" + w.text(report_at(d, "reason"), 200) + ")"
               : ""));
  }
}

void patches(ReportWriter& w, const json& report) {
  const json& list = report_at(report, "patches");
  w.heading("Suggested bounds patches");
  if (!list.is_array() || list.empty()) {
    w.line("None: no category recurred often enough for a parameter.");
    return;
  }
  for (const auto& p : list) {
    const json& confidence = report_at(p, "confidence");
    std::string conf = "-";
    if (confidence.is_number()) {
      char buf[16];
      std::snprintf(buf, sizeof buf, "%.0f%%", confidence.get<double>() * 100);
      conf = buf;
    }
    const std::string outcome =
        report_at(p, "outcome").is_string() ? report_at(p, "outcome").get<std::string>() : "";
    w.line(std::string(w.markdown() ? "- **" : "  * ") + w.text(report_at(p, "parameter")) +
           " → [" + w.text(report_at(p, "min")) + ", " + w.text(report_at(p, "max")) + "]" +
           (w.markdown() ? "**" : "") + ", confidence " + conf + ": " +
           w.text(report_at(p, "rationale"), 500));
    const std::string by = report_at(p, "decided_by").is_string()
                               ? " by " + w.text(report_at(p, "decided_by"), 100)
                               : "";
    const std::string how =
        outcome == "pending" ? "waiting for approval: setpoint approve " +
                                   w.text(report_at(p, "decision")) + " (or reject)"
        : outcome == "approved" || outcome == "rejected" || outcome == "expired" ||
                outcome == "superseded"
            ? outcome + by
            : w.text(report_at(p, "outcome")) + ": " + w.text(report_at(p, "explain"), 300);
    w.line(std::string(w.markdown() ? "  " : "    ") + "proposal " +
           w.text(report_at(p, "decision")) + ", " + how);
  }
}

}  // namespace

std::string triage_text(const json& report, bool markdown) {
  ReportWriter w(markdown);
  const json& period = report_at(report, "period");
  const std::string title = "Triage " + w.text(report_at(period, "from")) + " to " +
                            w.text(report_at(period, "to")) + " (" +
                            w.text(report_at(report, "policy")) + ", " +
                            w.text(report_at(report, "trigger")) + ")";
  w.line(markdown ? "# " + title : title);
  if (report_at(report, "summary").is_string()) {
    w.line("");
    w.line(w.text(report_at(report, "summary"), 2000));
  }
  categories(w, report);
  worst(w, report);
  patches(w, report);
  const json& recent = report_at(report, "recent");
  if (recent.is_array() && recent.size() > 1) {
    w.heading("Earlier reports");
    for (std::size_t i = 1; i < recent.size() && i < 10; ++i)
      w.line(std::string(markdown ? "- " : "  ") + w.text(report_at(recent[i], "id")) + ", " +
             w.text(report_at(recent[i], "patches")) + " patch(es)");
  }
  return w.take();
}

}  // namespace setpoint::runner
