#include "setpoint/history/history_read.hpp"

namespace setpoint::history {
namespace {
constexpr Nanos kHour = 3600 * kNanosPerSecond;

Nanos floor_to(Nanos t, Nanos unit) {
  const Nanos q = t / unit;
  return (t % unit != 0 && t < 0 ? q - 1 : q) * unit;
}
}  // namespace

HistoryAnswer summarize(const std::vector<Rollup>& hours, Nanos from, Nanos to, Nanos by,
                        const OutcomeSet& outcomes, sketch::Accumulator& scratch) {
  HistoryAnswer answer;
  if (to > from) answer.hours_asked = static_cast<std::size_t>((to - from) / kHour);
  Rollup all;
  Rollup period;
  std::size_t in_period = 0;
  const auto close_period = [&] {
    if (in_period == 0) return;
    const Nanos start = floor_to(period.start, by);
    // Its rates are over the hours it holds: a day with six hours of data is not a quiet day.
    period.start = start;
    period.span = static_cast<Nanos>(in_period) * kHour;
    answer.periods.push_back({start, by, in_period, stats_of(period, outcomes, scratch)});
    period = Rollup{};
    in_period = 0;
  };
  for (const Rollup& hour : hours) {
    if (in_period > 0 && floor_to(hour.start, by) != floor_to(period.start, by)) close_period();
    merge(period, hour);
    ++in_period;
    merge(all, hour);
    ++answer.hours_found;
  }
  close_period();
  all.span = static_cast<Nanos>(answer.hours_found) * kHour;
  answer.total = stats_of(all, outcomes, scratch);
  if (answer.hours_found == 0) answer.total.span = 0;
  return answer;
}

}  // namespace setpoint::history
