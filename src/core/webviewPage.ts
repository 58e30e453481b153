/** The HTML page of a Hearth webview: its CSP, stylesheets and body; nothing else loads. */
export interface WebviewPageParts {
  /** Content-Security-Policy directives. */
  csp: string[];
  title: string;
  stylesheets: string[];
  body: string;
}

export function webviewPage(parts: WebviewPageParts): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(parts.csp.join("; "))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
${parts.stylesheets.map((href) => `<link rel="stylesheet" href="${escapeHtml(href)}">`).join("\n")}
<title>${escapeHtml(parts.title)}</title>
</head>
<body>
${parts.body}
</body>
</html>`;
}

/** Text and attribute values in HTML. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}
