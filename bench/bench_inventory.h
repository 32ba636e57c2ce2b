// The inventory of a benchmark run: the testbed's namespaces and pods (what
// the agent enforces on) followed by the filler namespaces and their pods.
#ifndef NSFENCE_BENCH_BENCH_INVENTORY_H_
#define NSFENCE_BENCH_BENCH_INVENTORY_H_

#include <string>
#include <vector>

#include "fillers.h"
#include "support/testbed/testbed.h"

namespace nsfence::bench {

std::string BenchInventoryYaml(const testbed::Testbed& testbed, const std::vector<Filler>& fillers);

}  // namespace nsfence::bench

#endif  // NSFENCE_BENCH_BENCH_INVENTORY_H_
