// The run directory's human-readable files, each rewritten atomically as a whole.
#pragma once

#include <string>
#include <vector>

#include "imgcls/engine/trainer.hpp"

namespace imgcls {
struct Dataset;
class NonFiniteLoss;
}  // namespace imgcls

namespace imgcls {

struct CurveMarks;  // report/plot.hpp

// metrics.csv: a header and one row per epoch. Accuracies are fractions in [0, 1]; a
// missing value (no validation split) is an empty cell.
void write_metrics_csv(const std::string& path, const std::vector<EpochMetrics>& rows);

// metrics.jsonl: the same rows, one JSON object per line (missing values are null).
void write_metrics_jsonl(const std::string& path, const std::vector<EpochMetrics>& rows);

// curves.png: loss and accuracy per epoch, train vs validation, the best epoch and the test
// accuracy marked when `marks` has them (report/plot.hpp).
void write_curves_png(const std::string& path, const std::string& title, const std::vector<EpochMetrics>& rows,
                      const CurveMarks& marks);

// tb/events.out.tfevents.<start>.imgcls: the same rows as TensorBoard scalars (loss/train,
// loss/val, accuracy/train, accuracy/val, lr, images_per_second; step = epoch), the whole
// file rewritten each time. The file already in `tb_dir` is reused, so a resumed run keeps
// one event file; wall times are its start plus the epochs' seconds.
void write_tensorboard(const std::string& tb_dir, const std::vector<EpochMetrics>& rows);

// Reads a metrics.csv back (as written above; unknown extra columns are ignored). Throws
// IoError naming the file for a missing file or a malformed row.
std::vector<EpochMetrics> read_metrics_csv(const std::string& path);

// RUN_DIR/nonfinite.json (atomically): the epoch and steps of a non-finite loss, each step's
// sample indices into the training split and, per sample, its image path (image folders) or
// its index in the dataset's file (in-memory datasets), the loss, the learning rate, the
// gradient norm of the optimizer step before and fp16's loss scale (null when not finite or
// not used), and the error line.
void write_nonfinite_json(const std::string& path, const NonFiniteLoss& e, const Dataset& train,
                          const std::string& error_line);

}  // namespace imgcls
