// Replays a failing fast-check property: FC_SEED, FC_PATH (and FC_NUM_RUNS) from the environment
// go to fc.configureGlobal (see docs/testing.md, "Replaying a failing property").
import { replayFromEnv } from "../../src/testing/replay.js";

replayFromEnv();
