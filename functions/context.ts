/** The typed Hono environment shared by routes and middleware. */
import type { AccessContext } from "../src/services/access-service.js";
import type { Services } from "../src/services/services.js";

export interface AppEnv {
  Bindings: Env;
  Variables: {
    services: Services;
    /** Who is calling (set by the authentication middleware). */
    access: AccessContext;
    /** The tenant the request acts on. */
    tenantId: string;
  };
}
