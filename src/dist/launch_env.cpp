#include "dist/launch_env.hpp"

#include <cstdlib>
#include <string>

#include "imgcls/errors.hpp"

namespace imgcls {
namespace {

struct Reader {
  const std::function<const char*(const char*)>& getenv;
  std::string what;  // "torchrun" / "SLURM", for messages

  bool has(const char* name) const {
    const char* v = getenv(name);
    return v && *v;
  }
  std::string text(const char* name) const { return has(name) ? getenv(name) : ""; }
  // An integer in [low, high]; `fallback` when unset.
  int number(const char* name, int low, int high, int fallback) const {
    if (!has(name)) return fallback;
    const std::string v = getenv(name);
    std::size_t used = 0;
    long n = 0;
    try {
      n = std::stol(v, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != v.size() || n < low || n > high)
      throw ConfigError("environment: " + std::string(name) + "=" + v + " (set by " + what +
                        "): expected an integer in [" + std::to_string(low) + ", " + std::to_string(high) + "]");
    return static_cast<int>(n);
  }
  std::string required(const char* name, const std::string& why) const {
    if (!has(name))
      throw ConfigError("environment: " + std::string(name) + " is not set; " + why);
    return getenv(name);
  }
};

}  // namespace

LaunchEnv launch_env(const std::function<const char*(const char*)>& getenv) {
  LaunchEnv e;
  Reader r{getenv, "torchrun"};
  const bool torchrun = r.has("RANK") || r.has("WORLD_SIZE");
  const bool slurm = !torchrun && r.has("SLURM_PROCID") && r.has("SLURM_NTASKS") &&
                     std::string(getenv("SLURM_NTASKS")) != "1";
  if (!torchrun && !slurm) return e;
  if (torchrun) {
    e.launcher = "torchrun";
    e.world_size = r.number("WORLD_SIZE", 1, 1 << 20, -1);
    if (e.world_size < 0) throw ConfigError("environment: RANK is set but WORLD_SIZE is not (both come from torchrun)");
    e.rank = r.number("RANK", 0, e.world_size - 1, -1);
    if (e.rank < 0) throw ConfigError("environment: WORLD_SIZE is set but RANK is not (both come from torchrun)");
    e.local_rank = r.number("LOCAL_RANK", 0, e.world_size - 1, 0);
    e.local_world_size = r.number("LOCAL_WORLD_SIZE", 1, e.world_size, 1);
    e.agent_store = r.text("TORCHELASTIC_USE_AGENT_STORE") == "True";
    e.restart_count = r.number("TORCHELASTIC_RESTART_COUNT", 0, 1 << 20, 0);
  } else {
    r.what = "SLURM";
    e.launcher = "slurm";
    e.world_size = r.number("SLURM_NTASKS", 1, 1 << 20, 1);
    e.rank = r.number("SLURM_PROCID", 0, e.world_size - 1, 0);
    e.local_rank = r.number("SLURM_LOCALID", 0, e.world_size - 1, 0);
    const int nodes = r.number("SLURM_NNODES", 1, e.world_size, 1);
    // SLURM_NTASKS_PER_NODE is "4" or "4(x2)"; its leading number is this node's count.
    const auto per_node = r.text("SLURM_NTASKS_PER_NODE");
    const auto digits = per_node.substr(0, per_node.find_first_not_of("0123456789"));
    e.local_world_size = digits.empty() ? e.world_size / nodes : std::stoi(digits);
  }
  const auto why = e.launcher == "slurm"
                       ? std::string("under srun, export MASTER_ADDR (the first node's address, e.g. from "
                                     "scontrol show hostnames) and MASTER_PORT (a free port) in the job script")
                       : std::string("torchrun sets it; without torchrun set MASTER_ADDR and MASTER_PORT "
                                     "(rank 0's address and a free port) with RANK and WORLD_SIZE");
  e.master_addr = r.required("MASTER_ADDR", why);
  r.required("MASTER_PORT", why);
  e.master_port = r.number("MASTER_PORT", 1, 65535, 0);
  return e;
}

LaunchEnv launch_env() {
  return launch_env([](const char* name) -> const char* { return std::getenv(name); });
}

}  // namespace imgcls
