import { ChatApp } from "./app";
import { vsCodeHost } from "./host";

// The webview entry (bundled by esbuild into dist/webview/chat.js).
new ChatApp(vsCodeHost(), document.body);
