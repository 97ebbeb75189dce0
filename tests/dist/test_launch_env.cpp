// dist/launch_env: torchrun's and SLURM's variables, and the errors for what is missing.
#include "dist/launch_env.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "imgcls/errors.hpp"

namespace imgcls {
namespace {

LaunchEnv from(const std::map<std::string, std::string>& vars) {
  return launch_env([&](const char* name) -> const char* {
    const auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  });
}

std::string error_of(const std::map<std::string, std::string>& vars) {
  try {
    from(vars);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "no error";
}

TEST(LaunchEnv, NoLauncherIsOneProcess) {
  const auto e = from({{"SLURM_PROCID", "0"}, {"SLURM_NTASKS", "1"}});  // sbatch with one task
  EXPECT_FALSE(e.distributed());
  EXPECT_EQ(e.world_size, 1);
  EXPECT_EQ(e.rank, 0);
}

TEST(LaunchEnv, TorchrunsVariables) {
  const auto e = from({{"RANK", "3"},
                       {"WORLD_SIZE", "4"},
                       {"LOCAL_RANK", "1"},
                       {"LOCAL_WORLD_SIZE", "2"},
                       {"MASTER_ADDR", "10.0.0.1"},
                       {"MASTER_PORT", "29500"},
                       {"TORCHELASTIC_USE_AGENT_STORE", "True"},
                       {"TORCHELASTIC_RESTART_COUNT", "2"}});
  EXPECT_EQ(e.launcher, "torchrun");
  EXPECT_EQ(e.rank, 3);
  EXPECT_EQ(e.world_size, 4);
  EXPECT_EQ(e.local_rank, 1);
  EXPECT_EQ(e.local_world_size, 2);
  EXPECT_EQ(e.master_addr, "10.0.0.1");
  EXPECT_EQ(e.master_port, 29500);
  EXPECT_TRUE(e.agent_store);
  EXPECT_EQ(e.restart_count, 2);
}

TEST(LaunchEnv, SlurmMapsToTheSame) {
  const auto e = from({{"SLURM_PROCID", "5"},
                       {"SLURM_NTASKS", "8"},
                       {"SLURM_LOCALID", "1"},
                       {"SLURM_NNODES", "2"},
                       {"SLURM_NTASKS_PER_NODE", "4(x2)"},
                       {"MASTER_ADDR", "node01"},
                       {"MASTER_PORT", "12345"}});
  EXPECT_EQ(e.launcher, "slurm");
  EXPECT_EQ(e.rank, 5);
  EXPECT_EQ(e.world_size, 8);
  EXPECT_EQ(e.local_rank, 1);
  EXPECT_EQ(e.local_world_size, 4);
  EXPECT_FALSE(e.agent_store);
  EXPECT_EQ(from({{"SLURM_PROCID", "0"}, {"SLURM_NTASKS", "6"}, {"SLURM_NNODES", "3"}, {"MASTER_ADDR", "a"},
                  {"MASTER_PORT", "1"}})
                .local_world_size,
            2);
}

TEST(LaunchEnv, MissingMasterAddressSaysWhatToSet) {
  EXPECT_EQ(error_of({{"SLURM_PROCID", "0"}, {"SLURM_NTASKS", "2"}, {"MASTER_PORT", "29500"}}),
            "environment: MASTER_ADDR is not set; under srun, export MASTER_ADDR (the first node's address, e.g. from "
            "scontrol show hostnames) and MASTER_PORT (a free port) in the job script");
  EXPECT_EQ(error_of({{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "127.0.0.1"}}),
            "environment: MASTER_PORT is not set; torchrun sets it; without torchrun set MASTER_ADDR and MASTER_PORT "
            "(rank 0's address and a free port) with RANK and WORLD_SIZE");
}

TEST(LaunchEnv, BadNumbersNameTheVariable) {
  EXPECT_EQ(error_of({{"RANK", "2"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "h"}, {"MASTER_PORT", "1"}}),
            "environment: RANK=2 (set by torchrun): expected an integer in [0, 1]");
  EXPECT_EQ(error_of({{"RANK", "0"}, {"WORLD_SIZE", "two"}}),
            "environment: WORLD_SIZE=two (set by torchrun): expected an integer in [1, 1048576]");
  EXPECT_EQ(error_of({{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"MASTER_ADDR", "h"}, {"MASTER_PORT", "70000"}}),
            "environment: MASTER_PORT=70000 (set by torchrun): expected an integer in [1, 65535]");
  EXPECT_EQ(error_of({{"RANK", "0"}}), "environment: RANK is set but WORLD_SIZE is not (both come from torchrun)");
}

}  // namespace
}  // namespace imgcls
