#include "engine/run_files.hpp"

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "data/dataset.hpp"
#include "engine/train_loop.hpp"
#include "imgcls/errors.hpp"
#include "imgcls/io/atomic_file.hpp"
#include "report/plot.hpp"
#include "report/tensorboard.hpp"
#include "util/json_text.hpp"

namespace imgcls {
namespace {

std::string cell(double v, int precision = 6) {
  if (!std::isfinite(v)) return "";
  std::ostringstream os;
  os.precision(precision);
  os << v;
  return os.str();
}

std::string metrics_csv_text(const std::vector<EpochMetrics>& rows) {
  std::ostringstream os;
  os << "epoch,lr,train_loss,train_acc,val_loss,val_acc,epoch_seconds,images_per_second,data_seconds,step_seconds,"
        "eval_seconds,val_macro_f1,val_balanced_acc,val_loss_ema,val_acc_ema\n";
  for (const auto& m : rows)
    os << m.epoch << ',' << cell(m.lr, 8) << ',' << cell(m.train_loss) << ',' << cell(m.train_acc) << ','
       << cell(m.val_loss) << ',' << cell(m.val_acc) << ',' << cell(m.epoch_seconds, 4) << ','
       << cell(m.images_per_second, 6) << ',' << cell(m.data_seconds, 4) << ',' << cell(m.step_seconds, 4) << ','
       << cell(m.eval_seconds, 4) << ',' << cell(m.val_macro_f1) << ',' << cell(m.val_balanced_acc) << ','
       << cell(m.val_loss_ema) << ',' << cell(m.val_acc_ema) << '\n';
  return os.str();
}

}  // namespace

void write_metrics_csv(const std::string& path, const std::vector<EpochMetrics>& rows) {
  write_file_atomic(path, metrics_csv_text(rows));
}

void write_metrics_jsonl(const std::string& path, const std::vector<EpochMetrics>& rows) {
  const auto value = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); };
  std::string text;
  for (const auto& m : rows) {
    nlohmann::json j;
    j["epoch"] = m.epoch;
    j["lr"] = value(m.lr);
    j["train_loss"] = value(m.train_loss);
    j["train_acc"] = value(m.train_acc);
    j["val_loss"] = value(m.val_loss);
    j["val_acc"] = value(m.val_acc);
    j["epoch_seconds"] = value(m.epoch_seconds);
    j["images_per_second"] = value(m.images_per_second);
    j["data_seconds"] = value(m.data_seconds);
    j["step_seconds"] = value(m.step_seconds);
    j["eval_seconds"] = value(m.eval_seconds);
    j["val_macro_f1"] = value(m.val_macro_f1);
    j["val_balanced_acc"] = value(m.val_balanced_acc);
    j["val_loss_ema"] = value(m.val_loss_ema);
    j["val_acc_ema"] = value(m.val_acc_ema);
    text += j.dump() + "\n";
  }
  write_file_atomic(path, text);
}

void write_curves_png(const std::string& path, const std::string& title, const std::vector<EpochMetrics>& rows,
                      const CurveMarks& marks) {
  std::vector<double> epoch, tl, vl, ta, va;
  for (const auto& m : rows) {
    epoch.push_back(static_cast<double>(m.epoch));
    tl.push_back(m.train_loss), vl.push_back(m.val_loss), ta.push_back(m.train_acc), va.push_back(m.val_acc);
  }
  write_png(path, draw_training_curves(title, epoch, tl, vl, ta, va, marks));
}

void write_tensorboard(const std::string& tb_dir, const std::vector<EpochMetrics>& rows) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::create_directories(tb_dir, ec);
  if (ec) throw IoError(tb_dir + ": cannot create the TensorBoard folder: " + ec.message());
  const std::string prefix = "events.out.tfevents.", suffix = ".imgcls";
  std::string path;
  double start = 0;
  for (const auto& entry : fs::directory_iterator(tb_dir)) {
    const auto name = entry.path().filename().string();
    if (name.size() > prefix.size() + suffix.size() && name.compare(0, prefix.size(), prefix) == 0 &&
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
      path = entry.path().string();
      start = std::atof(name.substr(prefix.size()).c_str());
    }
  }
  if (path.empty()) {
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(now).count();
    start = static_cast<double>(seconds);
    path = tb_dir + "/" + prefix + std::to_string(seconds) + suffix;
  }
  std::vector<Scalar> scalars;
  double wall = start;
  for (const auto& m : rows) {
    wall += std::isfinite(m.epoch_seconds) ? m.epoch_seconds : 0;
    const auto add = [&](const char* tag, double v) {
      if (std::isfinite(v)) scalars.push_back(Scalar{tag, m.epoch, v, wall});
    };
    add("loss/train", m.train_loss);
    add("loss/val", m.val_loss);
    add("accuracy/train", m.train_acc);
    add("accuracy/val", m.val_acc);
    add("macro_f1/val", m.val_macro_f1);
    add("balanced_accuracy/val", m.val_balanced_acc);
    add("loss/val_ema", m.val_loss_ema);
    add("accuracy/val_ema", m.val_acc_ema);
    add("lr", m.lr);
    add("images_per_second", m.images_per_second);
    add("time/data_seconds", m.data_seconds);
    add("time/step_seconds", m.step_seconds);
    add("time/eval_seconds", m.eval_seconds);
  }
  write_event_file(path, scalars, start);
}

std::vector<EpochMetrics> read_metrics_csv(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw IoError(path + ": cannot open (is this a run directory?)");
  const auto split = [](const std::string& line) {
    std::vector<std::string> cells;
    std::stringstream ss(line);
    for (std::string c; std::getline(ss, c, ',');) cells.push_back(c);
    if (!line.empty() && line.back() == ',') cells.emplace_back();
    return cells;
  };
  std::string line;
  if (!std::getline(in, line)) throw IoError(path + ": empty file");
  std::map<std::string, std::size_t> column;
  const auto header = split(line);
  for (std::size_t i = 0; i < header.size(); ++i) column[header[i]] = i;
  for (const auto* needed : {"epoch", "train_loss", "train_acc", "val_loss", "val_acc"})
    if (!column.count(needed)) throw IoError(path + ":1: no '" + std::string(needed) + "' column");
  std::vector<EpochMetrics> rows;
  for (int line_no = 2; std::getline(in, line); ++line_no) {
    if (line.empty()) continue;
    const auto cells = split(line);
    const auto get = [&](const char* name) {
      const auto i = column.at(name);
      if (i >= cells.size() || cells[i].empty()) return std::numeric_limits<double>::quiet_NaN();
      try {
        return std::stod(cells[i]);
      } catch (const std::exception&) {
        throw IoError(path + ":" + std::to_string(line_no) + ": " + name + ": not a number: '" + cells[i] + "'");
      }
    };
    // The epoch is a whole number: an empty or fractional cell would be NaN or truncated.
    const auto epoch_cell = column.at("epoch") < cells.size() ? cells[column.at("epoch")] : std::string();
    std::size_t used = 0;
    long long epoch = 0;
    try {
      epoch = std::stoll(epoch_cell, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (epoch_cell.empty() || used != epoch_cell.size() || epoch < 0)
      throw IoError(path + ":" + std::to_string(line_no) + ": epoch: expected a whole number, got '" + epoch_cell +
                    "'");
    EpochMetrics m;
    m.epoch = static_cast<int64_t>(epoch);
    m.train_loss = get("train_loss"), m.train_acc = get("train_acc"), m.val_loss = get("val_loss"), m.val_acc = get("val_acc");
    if (column.count("lr")) m.lr = get("lr");
    if (column.count("epoch_seconds")) m.epoch_seconds = get("epoch_seconds");
    if (column.count("images_per_second")) m.images_per_second = get("images_per_second");
    for (auto [name, field] : {std::pair{"data_seconds", &EpochMetrics::data_seconds},
                               std::pair{"step_seconds", &EpochMetrics::step_seconds},
                               std::pair{"eval_seconds", &EpochMetrics::eval_seconds},
                               std::pair{"val_macro_f1", &EpochMetrics::val_macro_f1},
                               std::pair{"val_balanced_acc", &EpochMetrics::val_balanced_acc},
                               std::pair{"val_loss_ema", &EpochMetrics::val_loss_ema},
                               std::pair{"val_acc_ema", &EpochMetrics::val_acc_ema}})
      m.*field = column.count(name) ? get(name) : std::numeric_limits<double>::quiet_NaN();
    rows.push_back(m);
  }
  return rows;
}

void write_nonfinite_json(const std::string& path, const NonFiniteLoss& e, const Dataset& train,
                          const std::string& error_line) {
  const auto& d = e.details();
  const auto number = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); };
  nlohmann::json j;
  j["epoch"] = d.epoch;
  j["error"] = error_line;
  j["loss"] = std::isnan(d.loss) ? "nan" : (d.loss > 0 ? "inf" : "-inf");
  j["lr"] = number(d.lr);
  j["previous_grad_norm"] = number(d.previous_grad_norm);
  j["loss_scale"] = number(d.loss_scale);
  j["steps"] = nlohmann::json::array();
  for (const auto& step : d.steps) {
    nlohmann::json s;
    s["step"] = step.step;
    s["indices"] = step.indices;
    if (train.in_memory()) {
      std::vector<int64_t> source;
      for (const auto i : step.indices) source.push_back(train.source_index(i));
      s["file_indices"] = source;
    } else {
      std::vector<std::string> paths;
      for (const auto i : step.indices)
        paths.push_back(i >= 0 && static_cast<std::size_t>(i) < train.paths.size() ? train.paths[static_cast<std::size_t>(i)] : "");
      s["paths"] = paths;
    }
    j["steps"].push_back(s);
  }
  write_file_atomic(path, json_text(j, 2) + "\n");
}

}  // namespace imgcls
