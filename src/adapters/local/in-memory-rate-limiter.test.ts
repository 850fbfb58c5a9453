import { runRateLimiterContract } from "../../ports/rate-limiter.contract.js";
import { InMemoryRateLimiter } from "./in-memory-rate-limiter.js";

runRateLimiterContract("in memory", () => new InMemoryRateLimiter());
