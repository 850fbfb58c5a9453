/**
 * The documents the load benchmark ingests and the questions its clients ask.
 * SciFact when ../shared/bench-data/scifact is there (the abstracts judged
 * relevant to the test claims first, so most claims find their evidence,
 * then others; the claims as questions); otherwise generated help-centre
 * pages in Markdown (products × topics, headings, a few paragraphs each) and
 * questions about them. Deterministic for a given size and seed.
 */
import { seededRandom } from "../../src/core/seeded-random.js";
import { collectionExists, loadCollection } from "./collection.js";

export interface LoadDocument {
  id: string;
  title: string;
  content: string;
  format: "text" | "markdown";
}

export interface LoadCorpus {
  /** What the corpus is, for the report. */
  description: string;
  documents: LoadDocument[];
  questions: string[];
}

/** SciFact (when `scifactDir` holds it) or generated help pages; `docs` documents either way (fewer if the collection is smaller). */
export function loadCorpus(options: { docs: number; seed: number; scifactDir: string }): LoadCorpus {
  if (collectionExists(options.scifactDir)) return scifactCorpus(options.scifactDir, options.docs);
  return helpCentreCorpus(options.docs, options.seed);
}

function scifactCorpus(dir: string, docs: number): LoadCorpus {
  const collection = loadCollection(dir);
  const byId = new Map(collection.corpus.map((doc) => [doc.id, doc]));
  const chosen = new Set<string>();
  const questions: string[] = [];
  for (const query of collection.queries) {
    const relevant = [...(collection.qrels.get(query.id)?.keys() ?? [])].filter((id) => byId.has(id));
    if (relevant.length === 0 || chosen.size + relevant.filter((id) => !chosen.has(id)).length > docs) continue;
    for (const id of relevant) chosen.add(id);
    questions.push(query.text);
  }
  for (const doc of collection.corpus) {
    if (chosen.size >= docs) break;
    chosen.add(doc.id);
  }
  const documents = [...chosen].map((id) => {
    const doc = byId.get(id)!;
    return { id: `scifact-${doc.id}`, title: doc.title, content: doc.text, format: "text" as const };
  });
  return {
    description: `SciFact: ${documents.length} abstracts (the ones judged relevant to ${questions.length} test claims, then others in file order); questions: those ${questions.length} claims`,
    documents,
    questions,
  };
}

const products = ["Atlas Cloud", "Beacon CRM", "Cobalt Mail", "Delta Storage", "Ember Payments", "Fjord Analytics", "Granite VPN", "Harbor Chat"];

const topics: { topic: string; title: string; sections: [string, string][]; questions: string[] }[] = [
  {
    topic: "password",
    title: "Resetting your password",
    sections: [
      ["Reset from the sign-in page", "Choose Forgot password on the sign-in page and enter the email address of your account. We send a reset link that stays valid for 30 minutes."],
      ["When the email does not arrive", "Check the spam folder and make sure the address is the one on the account. Administrators can send a new link from the Members page."],
    ],
    questions: ["How do I reset my password in {p}?", "The password reset email for {p} never arrived, what now?"],
  },
  {
    topic: "billing",
    title: "Invoices and payment methods",
    sections: [
      ["Payment methods", "{p} accepts credit cards, SEPA direct debit and bank transfers. Invoices are issued on the first day of each month and are payable within 14 days."],
      ["Refunds", "You can ask for a full refund within 30 days of purchase. Refunds go back to the original payment method within five business days."],
    ],
    questions: ["Which payment methods does {p} accept?", "Can I get a refund for {p} after three weeks?"],
  },
  {
    topic: "sso",
    title: "Single sign-on",
    sections: [
      ["Supported providers", "{p} supports SAML 2.0 and OpenID Connect. Okta, Microsoft Entra ID and Google Workspace are tested on every release."],
      ["Enforcing SSO", "Once single sign-on is verified, an owner can require it for every member. Members who sign in with a password are then redirected to the identity provider."],
    ],
    questions: ["Does {p} support SAML single sign-on?", "How do I require SSO for all members of {p}?"],
  },
  {
    topic: "export",
    title: "Exporting your data",
    sections: [
      ["Full export", "Owners can export all data from Settings, Data, Export. The archive is prepared in the background and a download link is emailed when it is ready."],
      ["Formats", "Tables are exported as CSV and attachments keep their original file names. Exports larger than 5 GB are split into several archives."],
    ],
    questions: ["How can I export all my data from {p}?", "What format does the {p} export use?"],
  },
  {
    topic: "limits",
    title: "Plan limits",
    sections: [
      ["Seats and storage", "The Team plan of {p} includes 10 seats and 100 GB of storage; the Business plan includes 50 seats and 1 TB."],
      ["What happens at the limit", "When the storage limit is reached, uploads are refused until files are deleted or the plan is upgraded. Nothing is deleted automatically."],
    ],
    questions: ["How much storage does the {p} Team plan include?", "What happens when {p} runs out of storage?"],
  },
  {
    topic: "api",
    title: "API keys and rate limits",
    sections: [
      ["Creating a key", "Create API keys under Settings, Developers. A key is shown once; store it in a secret manager and never in source control."],
      ["Rate limits", "The {p} API allows 600 requests per minute per key. Over the limit it answers 429 with a Retry-After header."],
    ],
    questions: ["Where do I create an API key for {p}?", "What is the API rate limit of {p}?"],
  },
  {
    topic: "delete-account",
    title: "Closing an account",
    sections: [
      ["Before you close", "Export anything you want to keep: closing a {p} account deletes its data after a grace period of 14 days."],
      ["Reopening", "During the grace period an owner can reopen the account from the link in the confirmation email; afterwards the data cannot be recovered."],
    ],
    questions: ["How long until {p} deletes my data after I close the account?", "Can I reopen a closed {p} account?"],
  },
  {
    topic: "two-factor",
    title: "Two-factor authentication",
    sections: [
      ["Turning it on", "Open Profile, Security and scan the code with an authenticator app. {p} also accepts hardware security keys."],
      ["Lost device", "Use one of the recovery codes you saved when turning it on. Without them, an administrator can reset two-factor authentication for you."],
    ],
    questions: ["How do I turn on two-factor authentication in {p}?", "I lost my phone, how do I sign in to {p}?"],
  },
];

/** `docs` generated help pages (products × topics, cycling with numbered variants) and two questions per page. */
export function helpCentreCorpus(docs: number, seed: number): LoadCorpus {
  const random = seededRandom(seed);
  const documents: LoadDocument[] = [];
  const questions: string[] = [];
  const fillers = [
    "This article applies to every plan unless stated otherwise.",
    "Screenshots may differ slightly from what you see.",
    "If something here does not match what you see, contact support from the help menu.",
    "Changes take effect immediately for every member of the workspace.",
  ];
  for (let i = 0; i < docs; i++) {
    const product = products[i % products.length]!;
    const entry = topics[Math.floor(i / products.length) % topics.length]!;
    const round = Math.floor(i / (products.length * topics.length));
    const fill = (text: string) => text.replaceAll("{p}", product);
    const title = `${product}: ${entry.title}${round > 0 ? ` (${round + 1})` : ""}`;
    const sections = entry.sections.map(([heading, text]) => `## ${heading}\n\n${fill(text)} ${fillers[Math.floor(random() * fillers.length)]}`);
    documents.push({
      id: `help-${product.toLowerCase().replace(/\s+/g, "-")}-${entry.topic}${round > 0 ? `-${round + 1}` : ""}`,
      title,
      content: `# ${title}\n\n${sections.join("\n\n")}\n`,
      format: "markdown",
    });
    if (round === 0) questions.push(...entry.questions.map(fill));
  }
  return {
    description: `generated help-centre pages: ${documents.length} Markdown documents (${products.length} products × ${topics.length} topics); questions: ${questions.length} about them`,
    documents,
    questions,
  };
}
