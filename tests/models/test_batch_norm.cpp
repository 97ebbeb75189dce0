// model.sync_batchnorm's BatchNorm2d against one torch::nn::BatchNorm2d over the whole batch:
// the batch split over ranks that run as threads of this process, joined by an in-process
// Collective, must give the same output, input gradient, parameter gradients (summed over the
// ranks, as the per-rank losses add up to the whole batch's) and running statistics.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "dist/collective.hpp"
#include "models/batch_norm.hpp"

namespace imgcls {
namespace {

// The ranks of one process: sum() waits for every rank's tensors and gives each the sum, taken
// in rank order (so every rank gets the same bits).
class ThreadGroup {
 public:
  explicit ThreadGroup(int ranks) : ranks_(ranks), deposits_(ranks) {}

  void sum(int rank, std::vector<at::Tensor>& tensors) {
    std::unique_lock<std::mutex> lock(mutex_);
    const auto generation = generation_;
    deposits_[rank] = tensors;
    if (++arrived_ == ranks_) {
      sums_.clear();
      for (std::size_t i = 0; i < tensors.size(); ++i) {
        auto total = deposits_[0][i].clone();
        for (int r = 1; r < ranks_; ++r) total += deposits_[r][i];
        sums_.push_back(total);
      }
      arrived_ = 0;
      ++generation_;
      changed_.notify_all();
    } else {
      changed_.wait(lock, [&] { return generation_ != generation; });
    }
    for (std::size_t i = 0; i < tensors.size(); ++i) tensors[i].copy_(sums_[i]);
    // Nobody may start the next sum before every rank has copied this one's.
    if (++copied_ == ranks_) {
      copied_ = 0;
      ++copy_generation_;
      changed_.notify_all();
    } else {
      const auto mine = copy_generation_;
      changed_.wait(lock, [&] { return copy_generation_ != mine; });
    }
  }
  int ranks() const { return ranks_; }

 private:
  const int ranks_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::vector<at::Tensor>> deposits_;
  std::vector<at::Tensor> sums_;
  int arrived_ = 0, copied_ = 0;
  int64_t generation_ = 0, copy_generation_ = 0;
};

class ThreadCollective : public Collective {
 public:
  ThreadCollective(ThreadGroup& group, int rank) : group_(group), rank_(rank) {}
  int rank() const override { return rank_; }
  int world_size() const override { return group_.ranks(); }
  void sum(std::vector<at::Tensor>& tensors) override { group_.sum(rank_, tensors); }
  void broadcast(std::vector<at::Tensor>&) override { FAIL() << "not used"; }
  int64_t max(int64_t value) override { return value; }
  void barrier() override {}

 private:
  ThreadGroup& group_;
  int rank_;
};

struct Result {
  at::Tensor y, dx, dweight, dbias, running_mean, running_var;
};

// Two steps of a BatchNorm2d(3) on `x` (its rows split at `cuts` over the ranks), with the loss
// sum(y * probe); the last step's output and gradients and the final running statistics.
std::vector<Result> run(const at::Tensor& x, const at::Tensor& probe, const std::vector<int64_t>& cuts,
                        at::ScalarType dtype = at::kFloat, bool channels_last = false) {
  const int ranks = static_cast<int>(cuts.size()) + 1;
  ThreadGroup group(ranks);
  std::vector<Result> results(ranks);
  const auto one_rank = [&](int rank) {
    const int64_t begin = rank == 0 ? 0 : cuts[rank - 1], end = rank == ranks - 1 ? x.size(0) : cuts[rank];
    BatchNorm2d bn(torch::nn::BatchNorm2dOptions(3).momentum(0.3));
    {
      torch::NoGradGuard no_grad;
      bn->weight.copy_(torch::tensor({1.5f, -0.5f, 2.0f}));
      bn->bias.copy_(torch::tensor({0.1f, 0.2f, -0.3f}));
    }
    ThreadCollective collective(group, rank);
    if (ranks > 1) bn->sync_over(&collective);
    auto& r = results[rank];
    for (int step = 0; step < 2; ++step) {
      bn->zero_grad();
      auto xs = x.slice(0, begin, end).to(dtype);
      if (channels_last) xs = xs.contiguous(at::MemoryFormat::ChannelsLast);
      xs = xs.detach().requires_grad_(true);
      const auto y = bn(xs);
      (y.to(at::kFloat) * probe.slice(0, begin, end) * (step + 1)).sum().backward();
      r = {y.detach().to(at::kFloat), xs.grad().to(at::kFloat), bn->weight.grad().clone(),
           bn->bias.grad().clone(),   bn->running_mean.clone(), bn->running_var.clone()};
    }
  };
  std::vector<std::thread> threads;
  for (int rank = 0; rank < ranks; ++rank) threads.emplace_back(one_rank, rank);
  for (auto& t : threads) t.join();
  return results;
}

void expect_like_one_batch(const std::vector<int64_t>& cuts, at::ScalarType dtype = at::kFloat,
                           bool channels_last = false, double tolerance = 2e-5) {
  torch::manual_seed(7);
  const auto x = torch::randn({10, 3, 4, 5}) * 3 + 1;
  const auto probe = torch::randn({10, 3, 4, 5});
  const auto whole = run(x, probe, {}, dtype, channels_last).at(0);
  const auto split = run(x, probe, cuts, dtype, channels_last);
  std::vector<at::Tensor> ys, dxs;
  auto dweight = torch::zeros({3}), dbias = torch::zeros({3});
  for (const auto& r : split) {
    ys.push_back(r.y);
    dxs.push_back(r.dx);
    dweight += r.dweight;
    dbias += r.dbias;
    EXPECT_TRUE(torch::allclose(r.running_mean, whole.running_mean, 0, tolerance)) << r.running_mean;
    EXPECT_TRUE(torch::allclose(r.running_var, whole.running_var, 0, tolerance)) << r.running_var;
    EXPECT_TRUE(torch::equal(r.running_mean, split[0].running_mean));  // the same bits on every rank
  }
  EXPECT_TRUE(torch::allclose(torch::cat(ys), whole.y, 0, tolerance));
  EXPECT_TRUE(torch::allclose(torch::cat(dxs), whole.dx, 0, tolerance)) << (torch::cat(dxs) - whole.dx).abs().max();
  EXPECT_TRUE(torch::allclose(dweight, whole.dweight, 0, tolerance * 10)) << dweight << whole.dweight;
  EXPECT_TRUE(torch::allclose(dbias, whole.dbias, 0, tolerance * 10)) << dbias << whole.dbias;
}

TEST(SyncBatchNorm, TwoRanksEqualOneBatch) { expect_like_one_batch({6}); }
TEST(SyncBatchNorm, ThreeUnevenRanksEqualOneBatch) { expect_like_one_batch({1, 7}); }
TEST(SyncBatchNorm, ARankWithAnEmptyShareTakesPart) { expect_like_one_batch({10}); }
TEST(SyncBatchNorm, ChannelsLastInput) { expect_like_one_batch({4}, at::kFloat, true); }
TEST(SyncBatchNorm, Bfloat16InputHasFp32Statistics) { expect_like_one_batch({5}, at::kBFloat16, false, 0.05); }

}  // namespace
}  // namespace imgcls
