/** The typed Hono environment shared by routes and middleware. */
import type { Services } from "../src/services/services.js";

export interface AppEnv {
  Bindings: Env;
  Variables: {
    services: Services;
    /** The tenant the authenticated key acts on. */
    tenantId: string;
  };
}
