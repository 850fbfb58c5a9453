// Markdown read as text by the documentation tests (Vite's `?raw` imports and `import.meta.glob`).
declare module "*.md?raw" {
  const text: string;
  export default text;
}

interface ImportMeta {
  glob(pattern: string, options: { query: "?raw"; import: "default"; eager: true }): Record<string, string>;
}
