#include "sweep/leaderboard.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "engine/run_files.hpp"
#include "imgcls/errors.hpp"
#include "util/strings.hpp"
#include "imgcls/io/atomic_file.hpp"
#include "report/plot.hpp"

namespace imgcls {
namespace fs = std::filesystem;
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double number(const nlohmann::json& j, const char* key) {
  return j.contains(key) && j[key].is_number() ? j[key].get<double>() : kNaN;
}

bool lower_is_better(const std::string& monitor) { return monitor.find("loss") != std::string::npos; }

bool finished(const std::string& status) { return status == "completed" || status == "stopped_early"; }

// A table cell: empty when unknown.
std::string fmt(double v, int decimals = 4) { return std::isfinite(v) ? fixed(v, decimals) : ""; }

}  // namespace

std::vector<LeaderboardRow> collect_results(const SweepSpec& spec, const std::string& sweep_dir,
                                            const std::vector<TrialOutcome>* outcomes) {
  std::vector<LeaderboardRow> rows;
  for (std::size_t i = 0; i < spec.trials.size(); ++i) {
    const auto& t = spec.trials[i];
    LeaderboardRow r;
    r.trial = t.name;
    r.variant = t.variant;
    for (const auto& kv : t.values) r.values.push_back(kv.second);
    r.best_monitored = r.best_val_acc = r.test_acc = r.seconds = kNaN;
    r.status = "pending";
    const auto dir = fs::path(sweep_dir) / t.name;
    if (std::ifstream in(dir / "summary.json"); in) {
      const auto s = nlohmann::json::parse(in, nullptr, false);
      if (s.is_object()) {
        r.status = s.value("status", "running");
        r.monitor = s.value("monitor", "val_acc");
        r.best_val_acc = number(s, "best_val_acc");
        r.test_acc = number(s, "test_acc");
        r.seconds = number(s, "total_seconds");
        r.best_epoch = s.value("best_epoch", int64_t{0});
        r.epochs_run = s.value("epochs_run", int64_t{0});
        r.parameters = s.value("parameters", int64_t{0});
      }
    }
    if (outcomes && i < outcomes->size() && !(*outcomes)[i].status.empty()) {
      const auto& o = (*outcomes)[i];
      if (!finished(o.status)) r.status = o.status;  // a run killed mid-epoch still says "running"
      r.error = o.error;
    }
    if (fs::exists(dir / "metrics.csv")) {
      try {
        for (const auto& m : read_metrics_csv((dir / "metrics.csv").string())) {
          r.epochs.push_back(static_cast<double>(m.epoch));
          r.val_acc.push_back(m.val_acc);
          if (m.epoch == r.best_epoch) r.best_monitored = metric_value(m, r.monitor);
        }
      } catch (const Error&) {
        // A half-written run: the row shows what summary.json says.
      } catch (const std::invalid_argument&) {
        // A summary.json whose monitor is no metric: the monitored column stays empty.
      }
    }
    rows.push_back(std::move(r));
  }
  std::stable_sort(rows.begin(), rows.end(), [](const LeaderboardRow& a, const LeaderboardRow& b) {
    const bool fa = finished(a.status) && std::isfinite(a.best_monitored);
    const bool fb = finished(b.status) && std::isfinite(b.best_monitored);
    if (fa != fb) return fa;
    if (!fa) return false;
    return lower_is_better(a.monitor) ? a.best_monitored < b.best_monitored : a.best_monitored > b.best_monitored;
  });
  return rows;
}

std::string leaderboard_markdown(const SweepSpec& spec, const std::vector<LeaderboardRow>& rows) {
  const std::string monitor = rows.empty() ? "val_acc" : rows.front().monitor;
  std::ostringstream os;
  os << "| rank | trial |" << (spec.has_variants ? " variant |" : "");
  for (const auto& k : spec.grid_keys) os << ' ' << k << " |";
  const bool extra = monitor != "val_acc";  // best val acc as its own column only when not monitored
  os << " best " << monitor << " | best epoch |" << (extra ? " best val acc |" : "")
     << " test acc | epochs | seconds | parameters | status |\n";
  os << "|---:|---|" << (spec.has_variants ? "---|" : "");
  for (std::size_t i = 0; i < spec.grid_keys.size(); ++i) os << "---|";
  os << "---:|---:|" << (extra ? "---:|" : "") << "---:|---:|---:|---:|---|\n";
  int rank = 0;
  for (const auto& r : rows) {
    const bool ranked = finished(r.status) && std::isfinite(r.best_monitored);
    os << "| " << (ranked ? std::to_string(++rank) : "") << " | " << r.trial << " |"
       << (spec.has_variants ? " " + r.variant + " |" : "");
    for (const auto& v : r.values) os << ' ' << v << " |";
    os << ' ' << fmt(r.best_monitored) << " | " << (r.best_epoch > 0 ? std::to_string(r.best_epoch) : "") << " | "
       << (extra ? fmt(r.best_val_acc) + " | " : "") << fmt(r.test_acc) << " | " << r.epochs_run << " | " << fmt(r.seconds, 1)
       << " | " << (r.parameters > 0 ? std::to_string(r.parameters) : "") << " | " << r.status
       << (r.error.empty() ? "" : ": " + r.error) << " |\n";
  }
  return os.str();
}

void write_leaderboard(const SweepSpec& spec, const std::string& sweep_dir, const std::vector<LeaderboardRow>& rows,
                       const std::string& command) {
  const std::string monitor = rows.empty() ? "val_acc" : rows.front().monitor;
  std::ostringstream csv;
  csv << "trial" << (spec.has_variants ? ",variant" : "");
  for (const auto& k : spec.grid_keys) csv << ',' << k;
  const bool extra = monitor != "val_acc";
  csv << ",best_" << monitor << ",best_epoch" << (extra ? ",best_val_acc" : "")
      << ",test_acc,epochs_run,seconds,parameters,status,error\n";
  for (const auto& r : rows) {
    csv << csv_field(r.trial) << (spec.has_variants ? "," + csv_field(r.variant) : "");
    for (const auto& v : r.values) csv << ',' << csv_field(v);
    csv << ',' << fmt(r.best_monitored, 6) << ',' << (r.best_epoch > 0 ? std::to_string(r.best_epoch) : "") << ','
        << (extra ? fmt(r.best_val_acc, 6) + "," : "") << fmt(r.test_acc, 6) << ',' << r.epochs_run << ',' << fmt(r.seconds, 2)
        << ',' << (r.parameters > 0 ? std::to_string(r.parameters) : "") << ',' << r.status << ','
        << csv_field(r.error) << '\n';
  }
  write_file_atomic(sweep_dir + "/leaderboard.csv", csv.str());
  write_file_atomic(sweep_dir + "/leaderboard.md",
                    "# Sweep " + spec.name + "\n\n" + std::to_string(rows.size()) + " trials of `" + spec.base +
                        "`, sorted by best " + monitor + ".\n\n" +
                        (command.empty() ? "" : "Command: `" + command + "`\n\n") + leaderboard_markdown(spec, rows));
  ChartSpec chart{spec.name + ": validation accuracy", "epoch", "val acc", {}, true};
  for (const auto& r : rows)
    if (!r.epochs.empty()) chart.series.push_back(Series{r.trial, r.epochs, r.val_acc, false});
  write_png(sweep_dir + "/comparison.png", draw_line_chart(chart, 900, 560));
}

}  // namespace imgcls
