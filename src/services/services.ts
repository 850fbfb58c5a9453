/** Everything a request handler or queue consumer may use; built by the composition root. */
import type { AppConfig } from "../config.js";
import type { DocumentStore } from "../ports/document-store.js";
import type { Embedder } from "../ports/embedder.js";
import type { Generator } from "../ports/generator.js";
import type { IngestQueue } from "../ports/ingest-queue.js";
import type { ChatService } from "./chat-service.js";
import type { DocumentService } from "./document-service.js";
import type { FeedbackService } from "./feedback-service.js";
import type { AccessService } from "./access-service.js";
import type { IndexGuard } from "./index-guard.js";
import type { TenantService } from "./tenant-service.js";
import type { IndexSettings } from "./index-settings.js";
import type { IngestProcessor } from "./ingest-processor.js";
import type { Logger } from "./logger.js";
import type { SearchService } from "./search-service.js";
import type { UsageLimits } from "./usage-limits.js";

export interface Services {
  config: AppConfig;
  store: DocumentStore;
  queue: IngestQueue;
  embedder: Embedder;
  generator: Generator;
  guard: IndexGuard;
  documents: DocumentService;
  access: AccessService;
  tenants: TenantService;
  search: SearchService;
  settings: IndexSettings;
  chat: ChatService;
  feedback: FeedbackService;
  limits: UsageLimits;
  ingest: IngestProcessor;
  log: Logger;
}
