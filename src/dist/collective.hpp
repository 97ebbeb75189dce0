// The collective operations data-parallel training needs, over ATen tensors only, so the
// engine never sees c10d (dist/process_group.cpp implements them on a c10d ProcessGroup).
// Every rank must make the same calls in the same order: a call one rank skips waits on the
// others until distributed.timeout_s, then throws TrainError naming the rank that was lost.
//
//   if (dist) dist->sum(stats);   // stats: the same shape on every rank
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

namespace imgcls {

class Collective {
 public:
  virtual ~Collective() = default;
  virtual int rank() const = 0;
  virtual int world_size() const = 0;
  // In place: each tensor becomes its sum over the ranks. The tensors are all-reduced
  // concurrently (one work each) and waited for together.
  virtual void sum(std::vector<at::Tensor>& tensors) = 0;
  void sum(at::Tensor& t) {
    std::vector<at::Tensor> one{t};
    sum(one);
  }
  // In place: each tensor becomes rank 0's.
  virtual void broadcast(std::vector<at::Tensor>& tensors) = 0;
  // The largest of the ranks' values (stop flags, signal numbers).
  virtual int64_t max(int64_t value) = 0;
  // Waits for every rank.
  virtual void barrier() = 0;
};

}  // namespace imgcls
