#include "dist/process_group.hpp"

#include <ATen/ATen.h>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#if defined(IMGCLS_WITH_NCCL)
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "imgcls/errors.hpp"
#include "util/error_text.hpp"

namespace imgcls {
namespace {

using Millis = std::chrono::milliseconds;

class C10dCollective final : public Collective {
 public:
  C10dCollective(c10::intrusive_ptr<c10d::Backend> pg, const LaunchEnv& env, int64_t timeout_s, c10::Device device)
      : pg_(std::move(pg)), rank_(env.rank), world_(env.world_size), timeout_s_(timeout_s), device_(device) {}

  int rank() const override { return rank_; }
  int world_size() const override { return world_; }

  void sum(std::vector<at::Tensor>& tensors) override {
    std::vector<c10::intrusive_ptr<c10d::Work>> works;
    works.reserve(tensors.size());
    try {
      for (auto& t : tensors) {
        std::vector<at::Tensor> one{t};
        works.push_back(pg_->allreduce(one, c10d::AllreduceOptions{}));
      }
      for (auto& w : works) w->wait();
    } catch (const std::exception& e) {
      throw lost(e);
    }
  }

  void broadcast(std::vector<at::Tensor>& tensors) override {
    std::vector<c10::intrusive_ptr<c10d::Work>> works;
    try {
      for (auto& t : tensors) {
        std::vector<at::Tensor> one{t};
        works.push_back(pg_->broadcast(one, c10d::BroadcastOptions{}));
      }
      for (auto& w : works) w->wait();
    } catch (const std::exception& e) {
      throw lost(e);
    }
  }

  int64_t max(int64_t value) override {
    auto t = at::full({1}, value, at::TensorOptions().dtype(at::kLong).device(device_));
    std::vector<at::Tensor> one{t};
    try {
      c10d::AllreduceOptions o;
      o.reduceOp = c10d::ReduceOp::MAX;
      pg_->allreduce(one, o)->wait();
    } catch (const std::exception& e) {
      throw lost(e);
    }
    return t.item<int64_t>();
  }

  void barrier() override {
    try {
      pg_->barrier()->wait();
    } catch (const std::exception& e) {
      throw lost(e);
    }
  }

 private:
  // The one line a failed collective leaves: which rank was lost, when that is knowable.
  TrainError lost(const std::exception& e) const {
    const auto peer = world_ == 2 ? "rank " + std::to_string(1 - rank_)
                                  : "one of the other " + std::to_string(world_ - 1) + " ranks";
    return TrainError("distributed: rank " + std::to_string(rank_) + " lost contact with " + peer +
                      " (exited, or silent for distributed.timeout_s=" + std::to_string(timeout_s_) +
                      " s): " + error_line(e));
  }

  c10::intrusive_ptr<c10d::Backend> pg_;
  int rank_, world_;
  int64_t timeout_s_;
  c10::Device device_;
};

bool is_loopback(const std::string& host) { return host == "localhost" || host.rfind("127.", 0) == 0 || host == "::1"; }

// Every rank announces itself under `prefix` and waits for the others, so a rank that never
// comes is named (the process group's own rendezvous would only time out).
void wait_for_ranks(c10d::Store& store, const LaunchEnv& env, int64_t timeout_s) {
  store.set("joined/" + std::to_string(env.rank), std::vector<uint8_t>{1});
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  std::vector<std::string> keys;
  for (int r = 0; r < env.world_size; ++r) keys.push_back("joined/" + std::to_string(r));
  while (!store.check(keys)) {
    if (std::chrono::steady_clock::now() >= deadline) {
      std::string missing;
      int count = 0;
      for (int r = 0; r < env.world_size; ++r)
        if (!store.check({keys[static_cast<std::size_t>(r)]})) {
          missing += (missing.empty() ? "" : ", ") + std::to_string(r);
          ++count;
        }
      throw TrainError("distributed: rank " + std::to_string(env.rank) + ": " + (count == 1 ? "rank " : "ranks ") +
                       missing + " of " + std::to_string(env.world_size) + " did not join within distributed.timeout_s=" +
                       std::to_string(timeout_s) + " s (store " + env.master_addr + ":" +
                       std::to_string(env.master_port) + ")");
    }
    std::this_thread::sleep_for(Millis(20));
  }
}

}  // namespace

std::string resolve_backend(const std::string& backend, c10::Device device) {
  if (backend != "auto") return backend;
  return device.is_cuda() ? "nccl" : "gloo";
}

std::unique_ptr<Collective> join_process_group(const LaunchEnv& env, const std::string& backend, int64_t timeout_s,
                                               c10::Device device) {
  const auto chosen = resolve_backend(backend, device);
  if (chosen == "nccl" && !device.is_cuda())
    throw ConfigError("distributed.backend: nccl needs a CUDA device; this run trains on " + device.str() +
                      " (use gloo or auto)");
#if !defined(IMGCLS_WITH_NCCL)
  if (chosen == "nccl")
    throw ConfigError("distributed.backend: nccl: this imgcls was built without NCCL (use gloo)");
#endif
  const Millis timeout(timeout_s * 1000);
  c10::intrusive_ptr<c10d::Store> tcp;
  try {
    c10d::TCPStoreOptions o;
    o.port = static_cast<std::uint16_t>(env.master_port);
    o.isServer = !env.agent_store && env.rank == 0;
    o.numWorkers = std::nullopt;  // wait_for_ranks names the missing ones
    o.waitWorkers = false;
    o.timeout = timeout;
    o.multiTenant = !env.agent_store;
    tcp = c10::make_intrusive<c10d::TCPStore>(env.master_addr, o);
  } catch (const std::exception& e) {
    throw TrainError("distributed: rank " + std::to_string(env.rank) + ": cannot " +
                     (!env.agent_store && env.rank == 0 ? "host" : "reach") + " the store at " + env.master_addr +
                     ":" + std::to_string(env.master_port) + " (MASTER_ADDR:MASTER_PORT) within distributed.timeout_s=" +
                     std::to_string(timeout_s) + " s: " + error_line(e));
  }
  // A restarted group (torchrun --max-restarts) must not read the keys of the attempt before.
  auto store = c10::make_intrusive<c10d::PrefixStore>("imgcls/" + std::to_string(env.restart_count), tcp);
  wait_for_ranks(*store, env, timeout_s);
  auto pg_store = c10::make_intrusive<c10d::PrefixStore>("pg", store);
  c10::intrusive_ptr<c10d::Backend> pg;
  try {
    if (chosen == "gloo") {
      auto o = c10d::ProcessGroupGloo::Options::create_default(timeout);
      // On one machine (tests, torchrun --standalone) loopback; otherwise the interface the
      // host name resolves to, or GLOO_SOCKET_IFNAME.
      if (is_loopback(env.master_addr)) o->devices = {c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1")};
      o->timeout = timeout;
      pg = c10::make_intrusive<c10d::ProcessGroupGloo>(pg_store, env.rank, env.world_size, o);
    } else {
#if defined(IMGCLS_WITH_NCCL)
      auto o = c10d::ProcessGroupNCCL::Options::create();
      o->timeout = timeout;
      pg = c10::make_intrusive<c10d::ProcessGroupNCCL>(pg_store, env.rank, env.world_size, o);
#endif
    }
  } catch (const std::exception& e) {
    throw TrainError("distributed: rank " + std::to_string(env.rank) + ": the " + chosen +
                     " process group failed to start: " + error_line(e));
  }
  return std::make_unique<C10dCollective>(pg, env, timeout_s, device);
}

}  // namespace imgcls
