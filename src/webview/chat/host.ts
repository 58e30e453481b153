import { parseExtensionMessage, type ExtensionToWebviewMessage, type WebviewToExtensionMessage } from "../../protocol/webviewProtocol";

/** The chat view's link to the extension: VS Code's webview API, or a fake in tests. */
export interface ChatHost {
  post(message: WebviewToExtensionMessage): void;
  /** Validated messages from the extension. */
  onMessage(listener: (message: ExtensionToWebviewMessage) => void): void;
  getState(): unknown;
  setState(state: unknown): void;
}

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

/** The host inside VS Code (or a page that defines acquireVsCodeApi, like the renderer tests). */
export function vsCodeHost(): ChatHost {
  const api = acquireVsCodeApi();
  return {
    post: (message) => api.postMessage(message),
    onMessage: (listener) => {
      window.addEventListener("message", (event: MessageEvent<unknown>) => {
        const message = parseExtensionMessage(event.data);
        if (message) listener(message);
      });
    },
    getState: () => api.getState(),
    setState: (state) => api.setState(state),
  };
}
