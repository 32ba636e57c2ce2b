#include "metrics/ringbuf_usage.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "gtest/gtest.h"
#include "support/kernel_test.h"

namespace nsfence::metrics {
namespace {

// A socket filter that writes `record_bytes` zero bytes into the ring buffer
// `map_fd` with bpf_ringbuf_output, run with BPF_PROG_TEST_RUN: nothing is
// attached anywhere.
int LoadRingbufWriter(int map_fd, int record_bytes) {
  const bpf_insn insns[] = {
      // *(u64 *)(r10 - 8) = 0; *(u64 *)(r10 - 16) = 0
      {.code = BPF_ST | BPF_MEM | BPF_DW, .dst_reg = BPF_REG_10, .off = -8, .imm = 0},
      {.code = BPF_ST | BPF_MEM | BPF_DW, .dst_reg = BPF_REG_10, .off = -16, .imm = 0},
      // r1 = map (two-slot ld_imm64 of a map fd)
      {.code = BPF_LD | BPF_DW | BPF_IMM, .dst_reg = BPF_REG_1, .src_reg = BPF_PSEUDO_MAP_FD, .imm = map_fd},
      {},
      // r2 = r10 - 16; r3 = record_bytes; r4 = 0
      {.code = BPF_ALU64 | BPF_MOV | BPF_X, .dst_reg = BPF_REG_2, .src_reg = BPF_REG_10},
      {.code = BPF_ALU64 | BPF_ADD | BPF_K, .dst_reg = BPF_REG_2, .imm = -16},
      {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_3, .imm = record_bytes},
      {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_4, .imm = 0},
      {.code = BPF_JMP | BPF_CALL, .imm = BPF_FUNC_ringbuf_output},
      {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0},
      {.code = BPF_JMP | BPF_EXIT},
  };
  return bpf_prog_load(BPF_PROG_TYPE_SOCKET_FILTER, "nsf_rb_writer", "GPL", insns,
                       sizeof(insns) / sizeof(insns[0]), nullptr);
}

void RunOnce(int prog_fd) {
  std::vector<uint8_t> packet(64, 0);
  LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = packet.data(), .data_size_in = static_cast<__u32>(packet.size()),
              .repeat = 1);
  ASSERT_EQ(bpf_prog_test_run_opts(prog_fd, &opts), 0) << std::strerror(errno);
}

TEST(RingbufUsageTest, ProducedMinusConsumed) {
  NSFENCE_REQUIRE_KERNEL();
  const int map_fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "nsf_rb_test", 0, 0, 1 << 16, nullptr);
  ASSERT_GE(map_fd, 0) << std::strerror(errno);
  const int prog_fd = LoadRingbufWriter(map_fd, 16);
  ASSERT_GE(prog_fd, 0) << std::strerror(errno);

  absl::StatusOr<std::unique_ptr<RingbufUsage>> usage = RingbufUsage::Open(map_fd);
  ASSERT_TRUE(usage.ok()) << usage.status();
  EXPECT_EQ((*usage)->used_bytes(), 0u);
  ASSERT_NO_FATAL_FAILURE(RunOnce(prog_fd));
  ASSERT_NO_FATAL_FAILURE(RunOnce(prog_fd));
  // Two records of an 8-byte header and 16 bytes of data.
  EXPECT_EQ((*usage)->used_bytes(), 2u * (8 + 16));

  int seen = 0;
  ring_buffer* rb = ring_buffer__new(
      map_fd, [](void* ctx, void*, size_t) { return ++*static_cast<int*>(ctx), 0; }, &seen, nullptr);
  ASSERT_NE(rb, nullptr);
  EXPECT_EQ(ring_buffer__consume(rb), 2);
  EXPECT_EQ(seen, 2);
  EXPECT_EQ((*usage)->used_bytes(), 0u);
  ring_buffer__free(rb);
  close(prog_fd);
  close(map_fd);
}

TEST(RingbufUsageTest, NotARingbufIsAnError) {
  EXPECT_FALSE(RingbufUsage::Open(-1).ok());
}

}  // namespace
}  // namespace nsfence::metrics
