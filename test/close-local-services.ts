/**
 * Global setup of the "workers" test project (runs in the vitest process):
 * its teardown closes the local services that vitest.config.ts created for
 * the LOCAL_SERVICES binding. Exiting while the model thread runs an
 * onnxruntime-node pass (a queue consumer still embedding when the last test
 * ends) aborts the process with SIGABRT, failing a run whose tests all passed;
 * close() lets the pass finish first.
 */
import { localServicesKey } from "./local-services-key.js";

export default function setup(): () => Promise<void> {
  return async () => {
    const services = (globalThis as Record<symbol, { close(): Promise<void> } | undefined>)[localServicesKey];
    await services?.close();
  };
}
