// Joins a data-parallel job on c10d, the transport PyTorch itself uses: a TCPStore for the
// rendezvous (rank 0 hosts it, or torchrun's agent does), then ProcessGroupGloo (CPU) or
// ProcessGroupNCCL (CUDA). The only translation unit that includes c10d: it must not see
// spdlog (the torch wheel's fmt would shadow Debian's).
//
//   auto env = launch_env();
//   if (env.distributed()) dist = join_process_group(env, "auto", 300, device);
#pragma once

#include <c10/core/Device.h>

#include <cstdint>
#include <memory>
#include <string>

#include "dist/collective.hpp"
#include "dist/launch_env.hpp"

namespace imgcls {

// `backend`: auto (nccl on CUDA, else gloo) | gloo | nccl. Every rank must call it; it returns
// when all `env.world_size` ranks have joined. Throws TrainError with one line naming the
// ranks that did not join within `timeout_s` (or the store that could not be reached), and
// ConfigError for nccl on a CPU device or in a build without NCCL. Later collectives that
// wait longer than `timeout_s` on a peer throw TrainError naming the rank lost.
std::unique_ptr<Collective> join_process_group(const LaunchEnv& env, const std::string& backend, int64_t timeout_s,
                                               c10::Device device);

// The backend `auto` stands for on `device`.
std::string resolve_backend(const std::string& backend, c10::Device device);

}  // namespace imgcls
