/** The loop of an analyzer thread: answers batches of files with their outlines, one batch at a time. */
import type { MessagePort } from "node:worker_threads";
import { parseCounter } from "../parsing/parsers";
import { isAnalyzerRequest, type AnalyzerResponse } from "./analyzerProtocol";
import { analyzeIfChanged, type AnalysisOutcome } from "./fileAnalyzer";

export function runAnalyzer(port: MessagePort): void {
  // Batches are handled in the order they came; the next one waits for the previous answer.
  let queue = Promise.resolve();
  port.on("message", (message: unknown) => {
    if (!isAnalyzerRequest(message)) return;
    queue = queue.then(async () => {
      const outcomes: AnalysisOutcome[] = [];
      for (const item of message.files) outcomes.push(await analyzeIfChanged(item.path, item.previous));
      const response: AnalyzerResponse = { id: message.id, outcomes, parses: parseCounter() };
      port.postMessage(response);
    });
  });
}
