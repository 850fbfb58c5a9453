/**
 * The Universal Sentence Encoder is cased: a question typed in capitals
 * embeds far from its passage. These tests measure, with the real model, that
 * `normalizeAllCaps` (which the worker applies before every embedding of a
 * cased model) brings capitalised questions and passages back to where the
 * same text in ordinary case lands, and that the acronyms it keeps are worth
 * keeping. Figures at the time of writing are in the comments.
 */
import { afterAll, describe, expect, it } from "vitest";
import { normalizeAllCaps } from "../../../../core/text/casing.js";
import { createUniversalSentenceEncoder } from "./universal-sentence-encoder.js";

const cosine = (a: number[], b: number[]) => a.reduce((sum, x, i) => sum + x * b[i]!, 0) / Math.hypot(...a) / Math.hypot(...b);

const model = createUniversalSentenceEncoder();
afterAll(() => model.close());

/** Cosine of each query to its passage, embedded in one call. */
async function similarities(pairs: [query: string, passage: string][]): Promise<number[]> {
  const vectors = await model.embed(pairs.flat());
  return pairs.map((_, i) => cosine(vectors[2 * i]!, vectors[2 * i + 1]!));
}

// Questions as people write them, each with a passage that answers it.
const pairs: [string, string][] = [
  ["How long do I have to ask for a refund?", "You can ask for a full refund within 30 days of purchase. Refunds go back to the original card."],
  ["How do I reset my password?", "To reset your password, open Settings, choose Security and click 'Forgot password'. We email you a link."],
  ["When will my order ship?", "Orders ship within two business days. You receive a tracking number by email once the parcel leaves our warehouse."],
  ["Can I change my delivery address?", "You can change the delivery address of an order until it ships: open the order and edit the shipping address."],
  ["What payment methods do you accept?", "We accept Visa, Mastercard, American Express and PayPal. Bank transfers are possible for business accounts."],
  ["How do I cancel my subscription?", "To cancel your subscription, go to Account, then Billing, and click Cancel plan. You keep access until the end of the period."],
  ["Is my data encrypted?", "All data is encrypted at rest with AES-256 and in transit with TLS 1.3."],
  ["Where can I download the mobile app?", "The mobile app is available on the App Store and Google Play. Search for our name and install it."],
  ["how does photosynthesis work in plants", "Photosynthesis is the process by which green plants use sunlight, water and carbon dioxide to make glucose and oxygen."],
  ["what causes earthquakes", "Earthquakes are caused by the sudden release of energy when tectonic plates slip along a fault in the Earth's crust."],
];

describe("Universal Sentence Encoder and text in capitals", () => {
  it("a capitalised question, normalised, scores like the question in lower case and far above the raw capitals", async () => {
    const caps = pairs.map(([query]) => query.toUpperCase());
    // Every one of them is recognised as shouting and becomes exactly the lower-case question.
    caps.forEach((query, i) => expect(normalizeAllCaps(query)).toBe(pairs[i]![0].toLowerCase()));
    const [typed, lower, raw, normalized] = await Promise.all([
      similarities(pairs),
      similarities(pairs.map(([query, passage]) => [query.toLowerCase(), passage])),
      similarities(pairs.map(([, passage], i) => [caps[i]!, passage])),
      similarities(pairs.map(([, passage], i) => [normalizeAllCaps(caps[i]!), passage])),
    ]);
    pairs.forEach((_, i) => {
      // Measured: typed 0.55–0.73, lower case within 0.03 of it, raw capitals 0.13–0.41, 0.15–0.48 below.
      expect(normalized[i]).toBeCloseTo(lower[i]!, 5);
      expect(normalized[i]).toBeGreaterThan(typed[i]! - 0.05);
      expect(normalized[i]! - raw[i]!).toBeGreaterThan(0.12);
    });
    const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
    // Measured means: typed 0.61, normalised 0.60, raw capitals 0.28.
    expect(mean(normalized)).toBeGreaterThan(mean(typed) - 0.03);
    expect(mean(raw)).toBeLessThan(mean(normalized) - 0.25);
  });

  it("a passage written in capitals, normalised, scores like the passage in ordinary case", async () => {
    const [typed, raw, normalized] = await Promise.all([
      similarities(pairs),
      similarities(pairs.map(([query, passage]) => [query, passage.toUpperCase()])),
      similarities(pairs.map(([query, passage]) => [query, normalizeAllCaps(passage.toUpperCase())])),
    ]);
    pairs.forEach((_, i) => {
      // Measured: normalised within 0.045 of the passage as written (lowest where it names brands:
      // "Visa, Mastercard, … PayPal", 0.533 vs 0.578) and 0.07–0.38 above the raw capitals.
      expect(normalized[i]).toBeGreaterThan(typed[i]! - 0.06);
      expect(normalized[i]! - raw[i]!).toBeGreaterThan(0.05);
    });
    const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
    // Measured means: as written 0.61, normalised 0.62, raw capitals 0.37.
    expect(mean(normalized)).toBeGreaterThan(mean(typed) - 0.03);
    expect(mean(raw)).toBeLessThan(mean(normalized) - 0.2);
  });

  it("a capitalised heading inside a passage is normalised and the passage moves closer to the question", async () => {
    const body = "Run npm install, then start the server with npm run dev. The HTTP API listens on port 8787.";
    const passage = `INSTALLATION GUIDE\n${body}`;
    expect(normalizeAllCaps(passage)).toBe(`installation guide\n${body}`);
    // Measured: 0.441 with the heading in capitals, 0.478 normalised (0.486 as "Installation guide").
    const [raw, normalized] = await similarities([
      ["how to install the software", passage],
      ["how to install the software", normalizeAllCaps(passage)],
    ]);
    expect(normalized).toBeGreaterThan(raw! + 0.02);
  });

  it("keeping acronyms is right: lower-casing them costs as much as shouting does", async () => {
    // Why "HTTP API" and "DNA replication" are left as they are (measured: 0.764 vs 0.518, 0.692 vs 0.564).
    const http = "The HTTP API accepts JSON requests over HTTPS and answers with JSON; every endpoint lives under /v1.";
    const dna = "DNA replication is the process by which a cell copies its DNA before dividing.";
    expect(normalizeAllCaps("HTTP API")).toBe("HTTP API");
    expect(normalizeAllCaps("DNA replication")).toBe("DNA replication");
    const [httpKept, httpLowered, dnaKept, dnaLowered] = await similarities([
      ["HTTP API", http],
      ["http api", http],
      ["DNA replication", dna],
      ["dna replication", dna],
    ]);
    expect(httpKept! - httpLowered!).toBeGreaterThan(0.1);
    expect(dnaKept! - dnaLowered!).toBeGreaterThan(0.05);
  });
});
