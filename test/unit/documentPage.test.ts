import { strict as assert } from "node:assert";
import { documentPageHtml, renderMarkdownBody } from "../../src/core/documents/documentPage";

const page = (markdown: string) => documentPageHtml({
  title: "Model Info", markdown, cspSource: "https://webview.test", stylesheets: ["https://webview.test/media/document.css"],
  rawCommandUri: "command:hearth.openRawDocument",
});

describe("Hearth's read-only pages (documentPageHtml)", () => {
  it("renders the Markdown: headings, tables, code blocks", () => {
    const html = renderMarkdownBody("# tiny-stories-b\n\n| | |\n| --- | --- |\n| Path | /m/b.gguf |\n\n```\n<|fim_prefix|>a\n```\n");
    assert.match(html, /<h1>tiny-stories-b<\/h1>/);
    assert.match(html, /<td>Path<\/td>\s*<td>\/m\/b\.gguf<\/td>/);
    assert.match(html, /<pre><code>&lt;\|fim_prefix\|&gt;a\n<\/code><\/pre>/);
  });

  it("shows HTML, links and images from model files and prompts as text", () => {
    const html = renderMarkdownBody("License: <script>alert(1)</script> <img src=x onerror=alert(1)>\n\n[click](javascript:alert(1)) ![x](https://example.com/x.png) <https://example.com>");
    assert.doesNotMatch(html, /<script|<img|<a /);
    assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    assert.match(html, /\[click\]\(javascript:alert\(1\)\)/);
  });

  it("is a page without script, loading only its stylesheets, with the raw Markdown one click away", () => {
    const html = page("# Model Info");
    const csp = /http-equiv="Content-Security-Policy" content="([^"]*)"/.exec(html)?.[1] ?? "";
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'none'/);
    assert.match(csp, /style-src https:\/\/webview\.test/);
    assert.doesNotMatch(html, /<script/);
    assert.match(html, /<link rel="stylesheet" href="https:\/\/webview\.test\/media\/document\.css">/);
    assert.match(html, /<a class="page-action" href="command:hearth\.openRawDocument"[^>]*>.*Open Raw Markdown<\/a>/);
    assert.match(html, /<title>Model Info<\/title>/);
  });

  it("escapes the title", () => {
    const html = documentPageHtml({ title: "<b>\"x\"</b>", markdown: "", cspSource: "s", stylesheets: [], rawCommandUri: "command:x" });
    assert.match(html, /<title>&lt;b&gt;&quot;x&quot;&lt;\/b&gt;<\/title>/);
    assert.match(html, /aria-label="&lt;b&gt;&quot;x&quot;&lt;\/b&gt;"/);
  });
});
