/**
 * Messages between the context worker and its analyzer workers (extra threads that
 * read and parse files while the workspace is indexed, when the machine has cores to spare).
 */
import type { AnalysisOutcome } from "./fileAnalyzer";

/** Marks a worker started from the context worker's own script as an analyzer. */
export const ANALYZER_ROLE = "hearth-analyzer";

export interface AnalyzerRequest {
  id: number;
  files: AnalysisItem[];
}

export interface AnalysisItem {
  path: string;
  /** Size and mtime of the persisted entry: an unchanged file is not read again. */
  previous?: { size: number; mtimeMs: number };
}

export interface AnalyzerResponse {
  id: number;
  outcomes: AnalysisOutcome[];
  /** Parses this analyzer ran so far (the worker's stats include them). */
  parses: number;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

export function isAnalyzerRequest(value: unknown): value is AnalyzerRequest {
  return isRecord(value) && typeof value.id === "number" && Array.isArray(value.files);
}

/** Checks the envelope; the outcomes come from our own analyzer code. */
export function isAnalyzerResponse(value: unknown): value is AnalyzerResponse {
  return isRecord(value) && typeof value.id === "number" && Array.isArray(value.outcomes) && typeof value.parses === "number";
}
