// The run directory's human-readable files, each rewritten atomically as a whole.
#pragma once

#include <string>
#include <vector>

#include "imgcls/engine/trainer.hpp"

namespace imgcls {

// metrics.csv: a header and one row per epoch. Accuracies are fractions in [0, 1]; a
// missing value (no validation split) is an empty cell.
void write_metrics_csv(const std::string& path, const std::vector<EpochMetrics>& rows);

}  // namespace imgcls
