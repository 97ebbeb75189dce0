// Reading metrics.csv back: what was written comes back, and a malformed epoch cell is an
// IoError naming file:line (it was cast from NaN to int64, undefined behaviour).
#include <gtest/gtest.h>

#include <cmath>

#include "engine/run_files.hpp"
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
  EpochMetrics b = a;
  b.epoch = 2, b.val_loss = 0.25, b.val_acc = 0.875;
  write_metrics_csv(dir / "metrics.csv", {a, b});
  const auto rows = read_metrics_csv(dir / "metrics.csv");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].epoch, 1);
  EXPECT_TRUE(std::isnan(rows[0].val_acc));
  EXPECT_EQ(rows[1].epoch, 2);
  EXPECT_DOUBLE_EQ(rows[1].val_acc, 0.875);
  EXPECT_DOUBLE_EQ(rows[1].train_loss, 0.5);
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

}  // namespace
}  // namespace imgcls
