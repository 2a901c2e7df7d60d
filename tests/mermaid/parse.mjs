// Parse every ```mermaid block of the given Markdown files with Mermaid's own parser (the one GitHub
// and JupyterLab render with), in Node with a jsdom window standing in for the browser.
// Prints one JSON line per block: {"file", "block", "ok", "type" | "error"}.  tests/test_mermaid_parser.py.
import { JSDOM } from "jsdom";
import fs from "fs";

const dom = new JSDOM("<!DOCTYPE html><body></body>");
globalThis.window = dom.window;
globalThis.document = dom.window.document;
Object.defineProperty(globalThis, "navigator", { value: dom.window.navigator, configurable: true });
globalThis.DOMParser = dom.window.DOMParser;
globalThis.Element = dom.window.Element;

const { default: mermaid } = await import("mermaid");
mermaid.initialize({ startOnLoad: false });

for (const file of process.argv.slice(2)) {
  const text = fs.readFileSync(file, "utf8");
  const blocks = [...text.matchAll(/```mermaid\n([\s\S]*?)```/g)].map((m) => m[1]);
  for (const [block, source] of blocks.entries()) {
    try {
      const parsed = await mermaid.parse(source);
      console.log(JSON.stringify({ file, block, ok: true, type: parsed.diagramType }));
    } catch (err) {
      console.log(JSON.stringify({ file, block, ok: false, error: String(err).slice(0, 500) }));
    }
  }
}
