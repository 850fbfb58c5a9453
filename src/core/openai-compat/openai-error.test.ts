import { describe, expect, it } from "vitest";
import { AppError } from "../errors.js";
import { openAiErrorType, openAiStreamError, toOpenAiErrorBody } from "./openai-error.js";

describe("openAiErrorType", () => {
  it.each([
    [400, "invalid_request_error"],
    [413, "invalid_request_error"],
    [415, "invalid_request_error"],
    [401, "authentication_error"],
    [403, "permission_error"],
    [404, "not_found_error"],
    [429, "rate_limit_error"],
    [500, "server_error"],
    [503, "server_error"],
  ])("%i is %s", (status, type) => expect(openAiErrorType(status)).toBe(type));
});

describe("toOpenAiErrorBody", () => {
  it("adds type and the first invalid field as param to a validation error, keeping the house fields", () => {
    const error = new AppError("VALIDATION_FAILED", "temperature: Too big", { details: [{ path: "temperature", message: "Too big" }] });
    expect(toOpenAiErrorBody(error.toJSON(), 400)).toEqual({
      error: { code: "VALIDATION_FAILED", message: "temperature: Too big", type: "invalid_request_error", param: "temperature", details: [{ path: "temperature", message: "Too big" }] },
    });
  });

  it("uses param null when the error names no field", () => {
    expect(toOpenAiErrorBody({ error: { code: "RATE_LIMITED", message: "slow down" } }, 429)).toEqual({
      error: { code: "RATE_LIMITED", message: "slow down", type: "rate_limit_error", param: null },
    });
  });

  it("leaves bodies that are not this API's errors alone", () => {
    expect(toOpenAiErrorBody({ message: "x" }, 400)).toBeUndefined();
    expect(toOpenAiErrorBody({ error: "x" }, 400)).toBeUndefined();
    expect(toOpenAiErrorBody([1], 400)).toBeUndefined();
    expect(toOpenAiErrorBody({ error: { code: 1, message: "x" } }, 400)).toBeUndefined();
  });
});

describe("openAiStreamError", () => {
  it("types a stream's error by its code's status", () => {
    expect(openAiStreamError({ code: "UPSTREAM_UNAVAILABLE", message: "m" })).toEqual({ code: "UPSTREAM_UNAVAILABLE", message: "m", type: "server_error", param: null });
    expect(openAiStreamError({ code: "BUDGET_EXHAUSTED", message: "m" }).type).toBe("rate_limit_error");
    expect(openAiStreamError({ code: "TIMEOUT", message: "m" }).type).toBe("server_error");
    expect(openAiStreamError({ code: "SOMETHING_NEW", message: "m" }).type).toBe("server_error");
  });
});
