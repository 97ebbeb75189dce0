// Native bf16 detection: the flags of /proc/cpuinfo, as the kernel lists them.
#include <gtest/gtest.h>

#include "util/cpu_features.hpp"

namespace imgcls {
namespace {

TEST(CpuFeatures, ReadsBf16FlagsFromCpuinfo) {
  const std::string sapphire_rapids =
      "processor\t: 0\nmodel name\t: Intel(R) Xeon(R) Processor\n"
      "flags\t\t: fpu vme avx512f avx512_bf16 avx512_vnni amx_bf16 amx_tile amx_int8\nbogomips\t: 4000\n"
      "processor\t: 1\nflags\t\t: fpu\n";
  const auto spr = cpu_bf16_from_cpuinfo(sapphire_rapids);
  EXPECT_TRUE(spr.avx512_bf16);
  EXPECT_TRUE(spr.amx_bf16);
  EXPECT_EQ(spr.text(), "AVX512-BF16, AMX-BF16");

  const auto zen4 = cpu_bf16_from_cpuinfo("flags\t: fpu avx512f avx512_vnni avx512_bf16 sha_ni\n");
  EXPECT_TRUE(zen4.native());
  EXPECT_FALSE(zen4.amx_bf16);
  EXPECT_EQ(zen4.text(), "AVX512-BF16");

  // avx512_bf16x is not avx512_bf16; a "bf16" word outside the flags line is not a flag.
  const auto older = cpu_bf16_from_cpuinfo("model name\t: avx512_bf16 amx_bf16\nflags\t: fpu avx2 avx512_bf16x\n");
  EXPECT_FALSE(older.native());
  EXPECT_EQ(older.text(), "none");
  EXPECT_FALSE(cpu_bf16_from_cpuinfo("").native());
}

}  // namespace
}  // namespace imgcls
