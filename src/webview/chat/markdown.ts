import DOMPurify from "dompurify";
import hljs from "highlight.js/lib/common";
import MarkdownIt from "markdown-it";

/**
 * Model output is untrusted. It is rendered by markdown-it with raw HTML off, images
 * off and links limited to http(s)/mailto, then sanitized by DOMPurify with an allow
 * list of tags and attributes (no style, no event handlers, no images, no SVG). The
 * strict CSP of the webview is the last line behind both.
 */

const SAFE_LANGUAGE = /^[A-Za-z0-9_+#.-]{1,32}$/;
const SAFE_LINK = /^(?:https?:|mailto:)/i;

const markdown = new MarkdownIt({
  html: false,
  linkify: false,
  typographer: false,
  highlight: (code, language) => {
    const lang = language.trim().toLowerCase();
    if (!SAFE_LANGUAGE.test(lang) || !hljs.getLanguage(lang)) return "";
    const highlighted = hljs.highlight(code, { language: lang, ignoreIllegals: true }).value;
    return `<pre class="hljs"><code class="hljs language-${lang}">${highlighted}</code></pre>`;
  },
});
markdown.disable(["image", "html_inline", "html_block"], true);
markdown.validateLink = (url: string) => SAFE_LINK.test(url.trim());

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

/** The sanitized DOM of a markdown text. */
export function renderMarkdown(text: string): DocumentFragment {
  const html = markdown.render(text);
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
