/** The file types `edge-rag ingest` sends, by extension, and the API format each becomes. */
import { extname } from "node:path";

export type DocumentFormat = "markdown" | "text" | "html";

export const formatsByExtension: Readonly<Record<string, DocumentFormat>> = {
  ".md": "markdown",
  ".markdown": "markdown",
  ".txt": "text",
  ".html": "html",
  ".htm": "html",
};

/** The extensions, without dots, for a glob such as `**\/*.{md,txt}`. */
export const supportedExtensions = Object.keys(formatsByExtension).map((extension) => extension.slice(1));

/** The API format of a file, from its extension (any case); undefined when it is not supported. */
export function formatForPath(path: string): DocumentFormat | undefined {
  return formatsByExtension[extname(path).toLowerCase()];
}
