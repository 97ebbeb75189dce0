// Where this process stands in a data-parallel job, read from the launcher's environment, with
// no LibTorch (imgcls_base):
//   torchrun (or any launcher setting them): RANK, WORLD_SIZE, LOCAL_RANK, LOCAL_WORLD_SIZE,
//     MASTER_ADDR, MASTER_PORT; TORCHELASTIC_USE_AGENT_STORE=True: the agent hosts the store
//     and every rank connects as a client; TORCHELASTIC_RESTART_COUNT: the restarts so far.
//   SLURM's srun without torchrun (SLURM_NTASKS > 1): SLURM_PROCID, SLURM_NTASKS,
//     SLURM_LOCALID and SLURM_NTASKS_PER_NODE (else SLURM_NTASKS / SLURM_NNODES); MASTER_ADDR
//     and MASTER_PORT from the environment (the job script exports them).
// Neither: a single process, exactly as without this file.
#pragma once

#include <functional>
#include <string>

namespace imgcls {

struct LaunchEnv {
  std::string launcher;  // "" (a single process) | "torchrun" | "slurm"
  int rank = 0, world_size = 1, local_rank = 0, local_world_size = 1;
  std::string master_addr;
  int master_port = 0;
  bool agent_store = false;  // torchrun's agent hosts the store: connect as a client
  int restart_count = 0;     // TORCHELASTIC_RESTART_COUNT
  bool distributed() const { return !launcher.empty(); }
};

// From `getenv` (a lookup returning nullptr for an unset variable). Throws ConfigError naming
// the variable for a missing MASTER_ADDR / MASTER_PORT or a value that is not a number in range.
LaunchEnv launch_env(const std::function<const char*(const char*)>& getenv);
// From the process environment.
LaunchEnv launch_env();

}  // namespace imgcls
