// Reading metrics.csv back: what was written comes back, and a malformed epoch cell is an
// IoError naming file:line (it was cast from NaN to int64, undefined behaviour).
#include <gtest/gtest.h>

#include <cmath>

#include "engine/run_files.hpp"
#include "engine/run_reporter.hpp"
#include "imgcls/errors.hpp"
#include "test_util.hpp"

namespace imgcls {
namespace {

const char* kHeader = "epoch,lr,train_loss,train_acc,val_loss,val_acc,epoch_seconds,images_per_second\n";

TEST(RunFiles, MetricsCsvRoundTrip) {
  test::TempDir dir;
  EpochMetrics a;
  a.epoch = 1, a.lr = 0.01, a.train_loss = 0.5, a.train_acc = 0.75, a.val_loss = NAN, a.val_acc = NAN;
  a.epoch_seconds = 2.5, a.images_per_second = 1000;
  a.data_seconds = 0.5, a.step_seconds = 1.75, a.eval_seconds = 0.25;
  a.val_macro_f1 = a.val_balanced_acc = NAN;
  EpochMetrics b = a;
  b.epoch = 2, b.val_loss = 0.25, b.val_acc = 0.875, b.val_macro_f1 = 0.75, b.val_balanced_acc = 0.8125;
  write_metrics_csv(dir / "metrics.csv", {a, b});
  const auto rows = read_metrics_csv(dir / "metrics.csv");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].epoch, 1);
  EXPECT_TRUE(std::isnan(rows[0].val_acc));
  EXPECT_EQ(rows[1].epoch, 2);
  EXPECT_DOUBLE_EQ(rows[1].val_acc, 0.875);
  EXPECT_DOUBLE_EQ(rows[1].train_loss, 0.5);
  EXPECT_DOUBLE_EQ(rows[1].data_seconds, 0.5);
  EXPECT_DOUBLE_EQ(rows[1].step_seconds, 1.75);
  EXPECT_DOUBLE_EQ(rows[1].eval_seconds, 0.25);
  EXPECT_TRUE(std::isnan(rows[0].val_macro_f1));
  EXPECT_DOUBLE_EQ(rows[1].val_macro_f1, 0.75);
  EXPECT_DOUBLE_EQ(rows[1].val_balanced_acc, 0.8125);
  EXPECT_DOUBLE_EQ(metric_value(rows[1], "val_balanced_acc"), 0.8125);
  EXPECT_TRUE(std::isnan(rows[0].val_acc_ema));
  // train.ema's columns come back when written.
  b.val_loss_ema = 0.3, b.val_acc_ema = 0.9;
  write_metrics_csv(dir / "ema.csv", {b});
  const auto ema = read_metrics_csv(dir / "ema.csv");
  EXPECT_DOUBLE_EQ(ema[0].val_loss_ema, 0.3);
  EXPECT_DOUBLE_EQ(ema[0].val_acc_ema, 0.9);
  // A metrics.csv of an older run, without the three: they read as NaN.
  test::write_text(dir / "old.csv", std::string(kHeader) + "1,0.1,0.5,0.5,,,1,1\n");
  const auto old = read_metrics_csv(dir / "old.csv");
  ASSERT_EQ(old.size(), 1u);
  EXPECT_TRUE(std::isnan(old[0].data_seconds));
  EXPECT_TRUE(std::isnan(old[0].val_macro_f1));
  EXPECT_TRUE(std::isnan(old[0].val_acc_ema));
  EXPECT_DOUBLE_EQ(old[0].images_per_second, 1);
}

TEST(RunFiles, DataWaitHintAboveAFifthOfTheEpoch) {
  EpochMetrics m;
  m.epoch = 3, m.data_seconds = 1, m.step_seconds = 4, m.eval_seconds = 0;  // exactly a fifth: quiet
  DataConfig folder;
  folder.dataset = "image_folder", folder.workers = 2;
  EXPECT_EQ(data_wait_hint(m, folder), "");
  m.data_seconds = 3, m.step_seconds = 4, m.eval_seconds = 1;
  EXPECT_EQ(data_wait_hint(m, folder),
            "the input pipeline is the bottleneck: 38% of epoch 3 (3.0 of 8.0 s) went to waiting for batches; try "
            "data.workers=4 (now 2), smaller images (data.image_size, or smaller resize sizes in the transform lists)");
  DataConfig mnist;
  mnist.dataset = "fashion_mnist", mnist.workers = 0;
  EXPECT_NE(data_wait_hint(m, mnist).find("data.workers=2 (now 0), data.device_resident=true"), std::string::npos);
  m.data_seconds = NAN;  // a row from before the breakdown
  EXPECT_EQ(data_wait_hint(m, mnist), "");
}

TEST(RunFiles, MetricsCsvEpochMustBeAWholeNumber) {
  test::TempDir dir;
  const auto path = dir / "metrics.csv";
  for (const std::string epoch : {"", "1.5", "two", "3x", "-1"}) {
    test::write_text(path, std::string(kHeader) + "1,0.1,0.5,0.5,,,1,1\n" + epoch + ",0.1,0.5,0.5,,,1,1\n");
    EXPECT_EQ(test::message_of<IoError>([&] { read_metrics_csv(path); }),
              path + ":3: epoch: expected a whole number, got '" + epoch + "'")
        << "epoch cell '" << epoch << "'";
  }
  // A row cut short before the epoch cell ends is the same error.
  test::write_text(path, std::string("lr,epoch,train_loss,train_acc,val_loss,val_acc\n0.1\n"));
  EXPECT_EQ(test::message_of<IoError>([&] { read_metrics_csv(path); }),
            path + ":2: epoch: expected a whole number, got ''");
}

// The progress bar says how long the epoch has left, at the pace of the batches run so far
// (issue 22).
TEST(RunReporter, ProgressBarHasAnEta) {
  EXPECT_EQ(duration_text(41.4), "0:41");
  EXPECT_EQ(duration_text(725), "12:05");
  EXPECT_EQ(duration_text(3723), "1:02:03");
  EXPECT_EQ(duration_text(-1), "");
  EXPECT_EQ(duration_text(std::nan("")), "");
  // 100 of 400 batches in 20 s: 300 left at 0.2 s each.
  EXPECT_EQ(progress_bar_text(ProgressBar{2, 5, 100, 400, 100, 0.43214, 6400, 20}),
            "epoch 2/5 [======                  ] 100/400  loss 0.4321  320 img/s  eta 1:00");
  // A resumed epoch: only the 10 batches this process ran set the pace.
  const auto resumed = progress_bar_text(ProgressBar{1, 5, 210, 400, 10, 0.5, 640, 2});
  EXPECT_NE(resumed.find("  eta 0:38"), std::string::npos) << resumed;
  // Before any batch there is no eta.
  EXPECT_EQ(progress_bar_text(ProgressBar{1, 5, 0, 400, 0, 0, 0, 0}).find("eta"), std::string::npos);
}

}  // namespace
}  // namespace imgcls
