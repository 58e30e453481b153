import MarkdownIt from "markdown-it";
import { escapeHtml, webviewPage } from "../webviewPage";

/**
 * Hearth's read-only pages (Model Info, Last Completion Prompt, a chat reply's prompt) as a
 * webview page. Their Markdown holds text from model files and prompts (untrusted): raw HTML,
 * images and links are off, so everything renders as text; the page's CSP allows no script
 * and nothing remote behind that.
 */
const markdown = new MarkdownIt({ html: false, linkify: false, typographer: false });
markdown.disable(["image", "link", "autolink", "html_inline", "html_block"]);

export interface DocumentPageInput {
  title: string;
  markdown: string;
  /** The webview's `cspSource`: stylesheets and fonts come only from there. */
  cspSource: string;
  /** Stylesheet URIs the webview may load (the codicon font's, the page's). */
  stylesheets: string[];
  /** A command URI that opens the page's Markdown source as text. */
  rawCommandUri: string;
}

export function renderMarkdownBody(text: string): string {
  return markdown.render(text);
}

export function documentPageHtml(input: DocumentPageInput): string {
  return webviewPage({
    csp: ["default-src 'none'", `style-src ${input.cspSource}`, `font-src ${input.cspSource}`, "script-src 'none'", "form-action 'none'", "base-uri 'none'"],
    title: input.title,
    stylesheets: input.stylesheets,
    body: `<nav class="page-actions" aria-label="Page actions">
<a class="page-action" href="${escapeHtml(input.rawCommandUri)}" title="Open this page's Markdown source in a read-only editor"><span class="codicon codicon-go-to-file" aria-hidden="true"></span>Open Raw Markdown</a>
</nav>
<main id="hearth-document" aria-label="${escapeHtml(input.title)}">
${renderMarkdownBody(input.markdown)}
</main>`,
  });
}
