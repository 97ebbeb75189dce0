#include "engine/data_parallel.hpp"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <torch/utils.h>

#include <map>
#include <vector>

#include "dist/collective.hpp"
#include "models/classifier.hpp"
#include "util/signals.hpp"

namespace imgcls {
namespace {

// `tensors`, flattened into one buffer per dtype (and at most `bucket_bytes` each), through
// `op` (in place on the buffers), and copied back: collectives on few large contiguous
// buffers, whatever the tensors' memory formats.
template <class Op>
void flat(const std::vector<at::Tensor>& tensors, int64_t bucket_bytes, Op op) {
  std::vector<std::vector<at::Tensor>> buckets;
  std::map<at::ScalarType, std::size_t> open;  // dtype -> its bucket being filled
  std::vector<int64_t> bytes;
  for (const auto& t : tensors) {
    auto it = open.find(t.scalar_type());
    if (it == open.end() || bytes[it->second] >= bucket_bytes) {
      buckets.emplace_back();
      bytes.push_back(0);
      it = open.insert_or_assign(t.scalar_type(), buckets.size() - 1).first;
    }
    buckets[it->second].push_back(t);
    bytes[it->second] += t.numel() * static_cast<int64_t>(t.element_size());
  }
  std::vector<at::Tensor> flats;
  for (const auto& b : buckets) {
    std::vector<at::Tensor> parts;
    for (const auto& t : b) parts.push_back(t.reshape({-1}));
    flats.push_back(at::cat(parts));
  }
  op(flats);
  for (std::size_t i = 0; i < buckets.size(); ++i) {
    int64_t offset = 0;
    for (auto& t : buckets[i]) {
      t.copy_(flats[i].slice(0, offset, offset + t.numel()).view(t.sizes()));
      offset += t.numel();
    }
  }
}

}  // namespace

void DataParallel::after_backward(int64_t /*epoch*/, int64_t /*step*/) {
  std::vector<at::Tensor> grads;
  for (auto& p : model_.parameters()) {
    if (!p.requires_grad()) continue;
    if (!p.grad().defined()) p.mutable_grad() = at::zeros_like(p);
    grads.push_back(p.grad());
  }
  flat(grads, bucket_bytes_, [&](std::vector<at::Tensor>& buffers) { dist_.sum(buffers); });
}

int DataParallel::stop_requested() { return static_cast<int>(dist_.max(StopSignals::stop_requested())); }

void DataParallel::before_evaluate(const std::string& /*split*/) { broadcast_buffers(model_, dist_); }

void broadcast_model(ClassifierImpl& model, Collective& dist) {
  torch::NoGradGuard no_grad;
  std::vector<at::Tensor> all;
  for (const auto& p : model.parameters()) all.push_back(p);
  for (const auto& b : model.buffers()) all.push_back(b);
  flat(all, int64_t{1} << 62, [&](std::vector<at::Tensor>& buffers) { dist.broadcast(buffers); });
}

void broadcast_buffers(ClassifierImpl& model, Collective& dist) {
  torch::NoGradGuard no_grad;
  const auto buffers = model.buffers();
  if (buffers.empty()) return;
  flat(buffers, int64_t{1} << 62, [&](std::vector<at::Tensor>& flats) { dist.broadcast(flats); });
}

at::Tensor gather_cpu_generators(Collective& dist) {
  const auto state = at::detail::getDefaultCPUGenerator().get_state();
  auto table = at::zeros({dist.world_size(), state.numel()}, at::kInt);
  table[dist.rank()].copy_(state);
  dist.sum(table);
  return table.to(at::kByte);
}

}  // namespace imgcls
