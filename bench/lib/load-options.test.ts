import { describe, expect, it } from "vitest";
import { isLoopbackHost, parseLoadOptions } from "./load-options.js";

describe("load benchmark options", () => {
  it("has the documented defaults", () => {
    const options = parseLoadOptions([]);
    expect(options).toMatchObject({
      concurrency: 50,
      durationSeconds: 20,
      chatRatio: 0.7,
      disconnectRatio: 0.1,
      followUpRatio: 0.2,
      url: undefined,
      key: "local-dev-key",
      defaultLimits: false,
      keepAlive: false,
      requestTimeoutSeconds: 60,
      docs: 300,
      seed: 1,
      waitQuietSeconds: 60,
      json: undefined,
    });
    // duration + request timeout + 10 s of slack
    expect(options.hardTimeoutSeconds).toBe(90);
  });

  it("reads every option, in both --flag value and --flag=value forms", () => {
    const options = parseLoadOptions([
      "--concurrency",
      "8",
      "--duration=5",
      "--chat-ratio",
      "0.5",
      "--disconnect-ratio=0",
      "--url",
      "http://127.0.0.1:8787",
      "--key",
      "k",
      "--server-pid",
      "1234",
      "--default-limits",
      "--keep-alive",
      "--request-timeout",
      "30",
      "--hard-timeout",
      "40",
      "--json",
      "out/load.json",
    ]);
    expect(options).toMatchObject({
      concurrency: 8,
      durationSeconds: 5,
      chatRatio: 0.5,
      disconnectRatio: 0,
      key: "k",
      serverPid: 1234,
      defaultLimits: true,
      keepAlive: true,
      requestTimeoutSeconds: 30,
      hardTimeoutSeconds: 40,
      json: "out/load.json",
    });
    expect(options.url?.href).toBe("http://127.0.0.1:8787/");
  });

  it("takes the operator key from API_KEY when --key is absent", () => {
    expect(parseLoadOptions([], { API_KEY: "from-env" }).key).toBe("from-env");
    expect(parseLoadOptions(["--key", "flag"], { API_KEY: "from-env" }).key).toBe("flag");
  });

  it("refuses out-of-range, fractional and non-numeric values, and unknown flags", () => {
    expect(() => parseLoadOptions(["--concurrency", "0"])).toThrow(/--concurrency/);
    expect(() => parseLoadOptions(["--concurrency", "2.5"])).toThrow(/whole number/);
    expect(() => parseLoadOptions(["--concurrency", "100000"])).toThrow(/--concurrency/);
    expect(() => parseLoadOptions(["--duration", "abc"])).toThrow(/--duration/);
    expect(() => parseLoadOptions(["--duration", ""])).toThrow(/--duration/);
    expect(() => parseLoadOptions(["--chat-ratio", "1.5"])).toThrow(/--chat-ratio/);
    expect(() => parseLoadOptions(["--duration", "30", "--hard-timeout", "10"])).toThrow(/--hard-timeout/);
    expect(() => parseLoadOptions(["--server-pid", "5"])).toThrow(/--url/);
    expect(() => parseLoadOptions(["--bogus"])).toThrow();
  });

  it("refuses a non-loopback --url unless explicitly allowed", () => {
    expect(() => parseLoadOptions(["--url", "http://192.168.1.10:8787"])).toThrow(/not a loopback address/);
    expect(() => parseLoadOptions(["--url", "https://example.com"])).toThrow(/--allow-non-loopback/);
    expect(() => parseLoadOptions(["--url", "ftp://127.0.0.1/"])).toThrow(/http/);
    expect(() => parseLoadOptions(["--url", "not a url"])).toThrow(/not a URL/);
    expect(parseLoadOptions(["--url", "http://10.0.0.1:8787", "--allow-non-loopback"]).url?.hostname).toBe("10.0.0.1");
    expect(parseLoadOptions(["--url", "http://localhost:8787"]).url?.hostname).toBe("localhost");
    expect(parseLoadOptions(["--url", "http://[::1]:8787"]).url?.hostname).toBe("[::1]");
  });
});

describe("isLoopbackHost", () => {
  it("accepts only names and addresses that can only be this machine", () => {
    for (const host of ["localhost", "LOCALHOST", "localhost.", "api.localhost", "127.0.0.1", "127.1.2.3", "[::1]", "::1"]) {
      expect(isLoopbackHost(host), host).toBe(true);
    }
    for (const host of ["128.0.0.1", "10.0.0.1", "0.0.0.0", "127.0.0", "127.0.0.256", "127.0.0.1.example.com", "localhost.example.com", "example.com", "[::2]", ""]) {
      expect(isLoopbackHost(host), host).toBe(false);
    }
  });
});
