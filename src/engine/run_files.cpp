#include "engine/run_files.hpp"

#include <cmath>
#include <sstream>

#include "imgcls/io/atomic_file.hpp"

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
  os << "epoch,lr,train_loss,train_acc,val_loss,val_acc,epoch_seconds,images_per_second\n";
  for (const auto& m : rows)
    os << m.epoch << ',' << cell(m.lr, 8) << ',' << cell(m.train_loss) << ',' << cell(m.train_acc) << ','
       << cell(m.val_loss) << ',' << cell(m.val_acc) << ',' << cell(m.epoch_seconds, 4) << ','
       << cell(m.images_per_second, 6) << '\n';
  return os.str();
}

}  // namespace

void write_metrics_csv(const std::string& path, const std::vector<EpochMetrics>& rows) {
  write_file_atomic(path, metrics_csv_text(rows));
}

}  // namespace imgcls
