/** Where vitest.config.ts leaves its local services for test/close-local-services.ts (both run in the vitest process). */
export const localServicesKey = Symbol.for("edge-rag.test.localServices");
