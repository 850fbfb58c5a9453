/**
 * Everything a request handler or queue consumer may use; built by the
 * composition root. Only services: each owns its rules, so routes validate
 * the shape of a request and hand it over, never re-checking a rule or
 * reaching a port directly.
 */
import type { AccessService } from "./access-service.js";
import type { AnswerCache } from "./answer-cache/answer-cache.js";
import type { ChatService } from "./chat-service.js";
import type { ChatModels } from "./chat-models.js";
import type { ConsistencyService } from "./consistency-service.js";
import type { DemoService } from "./demo-service.js";
import type { DocumentService } from "./document-service.js";
import type { FeedbackService } from "./feedback-service.js";
import type { HealthService } from "./health-service.js";
import type { IndexSettings } from "./index-settings.js";
import type { IngestProcessor } from "./ingest/ingest-processor.js";
import type { Logger } from "./logger.js";
import type { MaintenanceService } from "./maintenance-service.js";
import type { Metrics } from "../ports/metrics.js";
import type { SearchService } from "./search-service.js";
import type { StatsService } from "./stats-service.js";
import type { TenantService } from "./tenant-service.js";
import type { UsageLimits } from "./usage-limits.js";
import type { WebsiteSources } from "./sources/website-sources.js";

export interface Services {
  health: HealthService;
  documents: DocumentService;
  access: AccessService;
  tenants: TenantService;
  search: SearchService;
  settings: IndexSettings;
  chat: ChatService;
  /** Chat through the answer cache (POST /v1/chat), and its purge (DELETE /v1/cache). */
  answerCache: AnswerCache;
  /** The model ids of the OpenAI-compatible API (GET /v1/models). */
  chatModels: ChatModels;
  feedback: FeedbackService;
  limits: UsageLimits;
  ingest: IngestProcessor;
  maintenance: MaintenanceService;
  consistency: ConsistencyService;
  demo: DemoService;
  stats: StatsService;
  /** Website sources (POST /v1/sources) and their queue messages. */
  sources: WebsiteSources;
  log: Logger;
  /** Operational metrics (Analytics Engine in production, in-memory locally); `record` never throws. */
  metrics: Metrics;
}
