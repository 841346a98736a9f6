// How many processors this process may run on.
#ifndef VIGIL_BASE_PROCESSORS_H_
#define VIGIL_BASE_PROCESSORS_H_

namespace vigil {

// The processors of this process's CPU affinity (what `taskset` or a container allows), at least
// 1; the machine's count when the affinity cannot be read.
int AvailableProcessors();

}  // namespace vigil

#endif  // VIGIL_BASE_PROCESSORS_H_
