// Starts the model thread (see model-thread.ts). The thread begins without the
// parent's loader flags, so it registers tsx itself and then loads the
// TypeScript entry point; this works the same under `tsx` (npm run dev), under
// vitest (whose config loads the local services) and under plain Node.
import { register } from "tsx/esm/api";

register();
await import("./model-thread-worker.ts");
