// Replay reports: a terminal table and JSON (docs/replay.md §5). Rendering builds the whole text;
// the caller writes it (atomically when to a file). Output depends only on the plan, the inputs
// and the result: no timings, so that reports are reproducible.
#ifndef VIGIL_REPLAY_RENDER_H_
#define VIGIL_REPLAY_RENDER_H_

#include <string>

#include "replay/input.h"
#include "replay/plan.h"
#include "replay/replay.h"

namespace vigil::replay {

struct RenderOptions {
  // Datapoints listed per alarm in the table (all of them are in JSON). Default 12.
  size_t table_datapoints = 12;
  bool color = false;
};

std::string RenderTable(const Plan& plan, const InputList& inputs, const ReplayResult& result,
                        const RenderOptions& options = {});
// JSON with "schemaVersion": 1; see docs/replay.md for the schema.
std::string RenderJson(const Plan& plan, const InputList& inputs, const ReplayResult& result);

// True when some alarm went to ALARM during the replay.
bool AnyAlarmFired(const ReplayResult& result);

}  // namespace vigil::replay

#endif  // VIGIL_REPLAY_RENDER_H_
