/**
 * The oracle benchmark's only contact with the completion pipeline, the code path of
 * `hearth complete --raw-output`: a scripted model answers with the given raw output, and
 * the syntax service runs in-process as the CLI's does.
 */
import { completeDocument } from "../../src/cli/completeCommand";
import type { DocumentSnapshot } from "../../src/core/completion/documentSnapshot";
import { ScriptedBackend } from "../../src/core/completion/scriptedBackend";
import { decideSuggestion } from "../../src/core/completion/suggestionPolicy";
import type { ShownSuggestion } from "./oracleVerdict";

export interface OracleSuggestion extends ShownSuggestion {
  mode: string;
}

export async function completeWithRawOutput(document: DocumentSnapshot, raw: string, manual: boolean): Promise<OracleSuggestion | undefined> {
  const result = await completeDocument(document, new ScriptedBackend([raw]), manual);
  const suggestion = result?.suggestions[0];
  return suggestion && result ? { text: suggestion.text, replaceEnd: suggestion.replaceEnd, mode: result.mode } : undefined;
}

/** Why no suggestion came: the policy's reason, or that post-processing left nothing. */
export function declineReason(document: DocumentSnapshot, manual: boolean): string {
  const decision = decideSuggestion(document, manual);
  return decision.suggest ? `post-processed to nothing (${decision.mode})` : `policy: ${decision.reason}`;
}
