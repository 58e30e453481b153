import DOMPurify from "dompurify";
import hljs from "highlight.js/lib/common";
import MarkdownIt, { type Env, type Token } from "markdown-it";
import { ChunkedText } from "./chunkedText";

/**
 * Model output is untrusted. It is rendered by markdown-it with raw HTML off, images
 * off and links limited to http(s)/mailto, then sanitized by DOMPurify with an allow
 * list of tags and attributes (no style, no event handlers, no images, no SVG). The
 * strict CSP of the webview is the last line behind both.
 */

const SAFE_LANGUAGE = /^[A-Za-z0-9_+#.-]{1,32}$/;
const SAFE_LINK = /^(?:https?:|mailto:)/i;

/** Code blocks longer than this are shown without highlighting: highlight.js would block the view. */
export const MAX_HIGHLIGHTED_CODE = 20_000;

/** What markdown-it keeps between renders of one reply: its reference definitions. */
export type MarkdownEnv = Pick<Env, "references">;

/** Set while a long code block is rendered as an empty frame: no highlighting of the placeholder. */
let highlighting = true;

const markdown = new MarkdownIt({
  html: false,
  linkify: false,
  typographer: false,
  highlight: (code, language) => {
    const lang = language.trim().toLowerCase();
    if (!highlighting || code.length > MAX_HIGHLIGHTED_CODE) return "";
    if (!SAFE_LANGUAGE.test(lang) || !hljs.getLanguage(lang)) return "";
    const highlighted = hljs.highlight(code, { language: lang, ignoreIllegals: true }).value;
    return `<pre class="hljs"><code class="hljs language-${lang}">${highlighted}</code></pre>`;
  },
});
markdown.disable(["image", "html_inline", "html_block"], true);
markdown.validateLink = (url: string) => SAFE_LINK.test(url.trim());

/** Long code blocks of one render: their frames hold `placeholder-<index>` until the text is set. */
interface LongCode {
  placeholder: string;
  texts: string[];
}
/** The long code blocks of the render in progress, by its env. */
const longCodes = new WeakMap<Env, LongCode>();

// A long code block is rendered as an empty frame and its text set afterwards with
// textContent: escaping megabytes into HTML and sanitizing it again would block the view,
// and text set that way is never parsed as markup.
const defaultFence = markdown.renderer.rules.fence;
markdown.renderer.rules.fence = (tokens, index, options, env, self) => {
  const token = tokens[index];
  const render = () => defaultFence ? defaultFence(tokens, index, options, env, self) : self.renderToken(tokens, index, options);
  const longCode = env ? longCodes.get(env) : undefined;
  if (!token || !longCode || token.content.length <= MAX_HIGHLIGHTED_CODE) return render();
  const text = token.content;
  token.content = `${longCode.placeholder}-${longCode.texts.push(text) - 1}`;
  const wasHighlighting = highlighting;
  highlighting = false;
  try {
    return render();
  } finally {
    highlighting = wasHighlighting;
    token.content = text;
  }
};

const ALLOWED_TAGS = [
  "p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "strong", "em", "s", "del", "code", "pre", "blockquote",
  "ul", "ol", "li", "a", "table", "thead", "tbody", "tr", "th", "td", "span",
];
const SAFE_CLASS = /^(?:hljs(?:-[A-Za-z0-9_-]+)?|language-[A-Za-z0-9_+#.-]{1,32}|[a-z]+_)$/;

DOMPurify.addHook("uponSanitizeAttribute", (_node, data) => {
  if (data.attrName === "class") {
    data.attrValue = data.attrValue.split(/\s+/).filter((name) => SAFE_CLASS.test(name)).join(" ");
    if (data.attrValue === "") data.keepAttr = false;
  }
});
DOMPurify.addHook("afterSanitizeAttributes", (node) => {
  if (node.tagName === "A") {
    const href = node.getAttribute("href") ?? "";
    if (!SAFE_LINK.test(href)) node.removeAttribute("href");
    node.setAttribute("rel", "noopener noreferrer");
  }
});

let renders = 0;

/**
 * The sanitized DOM of a markdown text; `env` carries reference definitions from earlier
 * parts of the same reply. `highlight: false` renders code blocks as long ones are (plain).
 */
export function renderMarkdown(text: string, env: MarkdownEnv = {}, options: { highlight?: boolean } = {}): DocumentFragment {
  const long: LongCode = { placeholder: `hearth-long-code-${Date.now().toString(36)}-${renders++}`, texts: [] };
  const state: Env = { references: env.references ?? {} };
  longCodes.set(state, long);
  highlighting = options.highlight !== false;
  let html: string;
  try {
    html = markdown.render(text, state);
  } finally {
    highlighting = true;
  }
  if (env.references === undefined) env.references = state.references;
  const fragment = sanitize(html);
  if (long.texts.length > 0) {
    for (const code of Array.from(fragment.querySelectorAll("pre > code"))) {
      const match = code.textContent?.startsWith(`${long.placeholder}-`) ? Number(code.textContent.slice(long.placeholder.length + 1)) : Number.NaN;
      const text = long.texts[match];
      if (text === undefined || !(code instanceof HTMLElement)) continue;
      code.replaceChildren();
      new ChunkedText(code).append(text);
    }
  }
  return fragment;
}

/** A top-level block: its type, its lines [start, end), and for a fence its marker. */
export interface TopLevelBlock {
  type: string;
  start: number;
  end: number;
  markup: string;
}

/** The top-level blocks of `text`, from markdown-it's block rules only (no inline parsing). Reference definitions make no block. */
export function topLevelBlocks(text: string): TopLevelBlock[] {
  const tokens: Token[] = [];
  markdown.block.parse(text, markdown, { references: {} }, tokens);
  const blocks: TopLevelBlock[] = [];
  for (const token of tokens) {
    if (token.level === 0 && token.nesting !== -1 && token.map) blocks.push({ type: token.type, start: token.map[0], end: token.map[1], markup: token.markup });
  }
  return blocks;
}

/** Text as markdown-it sees it: line breaks as \n, NUL as U+FFFD. */
export function normalizeMarkdown(text: string): string {
  return text.replace(/\r\n?/g, "\n").replace(/\0/g, "\uFFFD");
}

function sanitize(html: string): DocumentFragment {
  return DOMPurify.sanitize(html, {
    ALLOWED_TAGS,
    ALLOWED_ATTR: ["href", "title", "class", "start"],
    ALLOWED_URI_REGEXP: SAFE_LINK,
    ALLOW_DATA_ATTR: false,
    ALLOW_ARIA_ATTR: false,
    ALLOW_UNKNOWN_PROTOCOLS: false,
    RETURN_DOM_FRAGMENT: true,
  });
}

/** The language of a rendered code block (from its class), or "". */
export function codeLanguage(code: Element): string {
  for (const name of code.classList) {
    if (name.startsWith("language-")) return name.slice("language-".length);
  }
  return "";
}
